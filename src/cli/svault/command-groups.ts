// The command groups: one per admin service, named as an operator thinks. Everything else about a
// command is derived from the service's descriptor (rpc-command.ts); this table holds only what
// needs judgement: which noun the method names drop, which methods are not commands (and why),
// a better name or argument here and there, examples and table columns where the derived ones
// would not help, and an administrator's variant of a self-service command (`--user`). A new
// service is one more entry; a service with several resources (SCIM) is one entry per resource,
// nested under the service's group (`svault scim users list`).
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { ApiKeyService } from "../../../gen/svault/apikey/v1/api_key_service_pb.js";
import { AuthService } from "../../../gen/svault/auth/v1/auth_service_pb.js";
import { ClientService } from "../../../gen/svault/client/v1/client_service_pb.js";
import { MfaAdminService } from "../../../gen/svault/oidc/v1/mfa_admin_service_pb.js";
import { BlockerService } from "../../../gen/svault/tenant/v1/blocker_service_pb.js";
import { TenantKeyService } from "../../../gen/svault/tenant/v1/tenant_key_service_pb.js";
import { PasskeyService } from "../../../gen/svault/passkey/v1/passkey_service_pb.js";
import { ScimService } from "../../../gen/svault/scim/v1/scim_service_pb.js";
import { TenantService } from "../../../gen/svault/tenant/v1/tenant_service_pb.js";
import { GroupService } from "../../../gen/svault/user/v1/group_service_pb.js";
import { UserService } from "../../../gen/svault/user/v1/user_service_pb.js";
import type { RpcCommandSpec } from "./rpc-command.js";

type Tweaks = Partial<Pick<RpcCommandSpec, "name" | "positional" | "examples" | "columns" | "rows" | "forUser">>;

export interface CommandGroup {
  readonly name: string;
  /** The group whose command this one is (`scim` for `scim users`); absent: a top-level group. */
  readonly under?: string;
  readonly service: DescService;
  /** Shown in `svault --help`; the service's comment when absent. */
  readonly summary?: string;
  /** The words of the resource, removed from method names: GetApiKeyScopes → `get-scopes`. */
  readonly nouns: readonly string[];
  /** Only these methods are commands (for a service whose other methods are not administration). */
  readonly only?: readonly string[];
  /** Methods that are not commands, and why. */
  readonly omit?: Readonly<Record<string, string>>;
  /** Whether `tenant_id` scopes the commands rather than naming their subject. */
  readonly tenantScoped: boolean;
  readonly commands?: Readonly<Record<string, Tweaks>>;
}

const TENANT_COLUMNS = ["tenant_id", "display_name", "register_enable", "use_pin", "use_pattern", "passkey_enabled", "created_at"];
const CLIENT_COLUMNS = ["client_id", "name", "client_type", "redirect_uris", "register_enable", "is_lock", "created_at"];
const USER_COLUMNS = ["user_id", "username", "email", "is_disabled", "is_verified", "roles", "created_at"];
const KEY_COLUMNS = ["key_id", "name", "user_id", "scopes", "is_active", "last_use_at", "created_at"];
const SESSION_COLUMNS = ["session_id", "clients", "ip", "user_agent", "created_at", "last_seen_at", "current"];
const PASSKEY_COLUMNS = ["key_id", "name", "backup_eligible", "transports", "created_at", "last_used_at"];
const TENANT_KEY_COLUMNS = ["kid", "alg", "use", "state", "publish_at", "activate_at", "retire_at"];
const GROUP_COLUMNS = ["group_id", "display_name", "external_id", "created_at", "updated_at"];
// SCIM answers are SCIM JSON, not messages: the rows of a ListResponse are its `Resources`, and a
// column may be a path into them (`emails.value`: every e-mail address of the user).
const SCIM_LIST = ["Resources"];
const SCIM_USER_COLUMNS = ["id", "userName", "displayName", "emails.value", "active", "externalId", "meta.lastModified"];
const SCIM_GROUP_COLUMNS = ["id", "displayName", "externalId", "members.display", "meta.lastModified"];
const SCIM_USER_ID = "2819c223-7f76-453a-919d-413861904646";
const SCIM_GROUP_ID = "e9e30dba-f08f-4109-8486-d5c6a331660a";
/** The three SCIM groups' one-line reminder of where a provisioning key comes from. */
const SCIM_KEY = "A provisioning client's key: `svault api-keys create --scopes scim` (docs/scim.md).";

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    name: "tenants",
    service: TenantService,
    nouns: ["tenant"],
    tenantScoped: false,
    commands: {
      ListTenants: { columns: TENANT_COLUMNS },
      CreateTenant: {
        positional: ["tenant_id"],
        examples: ["svault tenants create acme --display-name Acme --register-enable --pin-size 6"],
      },
      UpdateTenant: {
        examples: ["svault tenants update acme --display-name 'Acme Inc.' --no-register-enable --block-config.block-seconds 600"],
      },
    },
  },
  {
    name: "clients",
    service: ClientService,
    nouns: ["client"],
    tenantScoped: true,
    commands: {
      ListClients: { columns: CLIENT_COLUMNS },
      CreateClient: {
        positional: ["client_id"],
        examples: [
          "svault clients create my-app --tenant-id acme --name 'My App' --redirect-uris http://localhost:3000/callback",
          "svault clients create spa --tenant-id acme --name SPA --client-type public --redirect-uris https://spa.example.com/cb",
        ],
      },
      UpdateClient: {
        examples: ["svault clients get my-app --tenant-id acme -o json | jq '.is_lock = true' | svault clients update my-app --data -"],
      },
    },
  },
  {
    name: "users",
    service: UserService,
    nouns: ["user"],
    tenantScoped: true,
    omit: {
      CreateUserKey: "the caller's own keys: `svault api-keys` manages every key of a tenant",
      ListUserKeys: "the caller's own keys: `svault api-keys` manages every key of a tenant",
      DeleteUserKey: "the caller's own keys: `svault api-keys` manages every key of a tenant",
      RegenerateUserKey: "the caller's own keys: `svault api-keys` manages every key of a tenant",
      ListUserSessions: "a user's sessions: `svault sessions list --user`",
      RevokeUserSessions: "a user's sessions: `svault sessions revoke --user`",
      ListUserPasskeys: "passkeys: `svault passkeys list`",
      DeleteUserPasskey: "passkeys: `svault passkeys delete`",
      UpdateUserPasskey: "passkeys: `svault passkeys update`",
    },
    commands: {
      GetCurrentUser: { name: "me", examples: ["svault users me"] },
      ListUsers: {
        columns: USER_COLUMNS,
        examples: ["svault users list --tenant-id acme --username al --sort-by username --sort-direction 1"],
      },
      CreateUser: {
        positional: ["username"],
        examples: ["svault users create alice --tenant-id acme --email alice@example.com --roles tenant_admin"],
      },
      UpdateUser: {
        examples: [
          "svault users get 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --tenant-id acme -o json | jq '.is_disabled = true' | svault users update 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --data -",
        ],
      },
      BatchCreateUser: { examples: ['svault users batch-create --tenant-id acme --data \'{"users": [{"username": "bob"}]}\''] },
    },
  },
  {
    name: "api-keys",
    service: ApiKeyService,
    nouns: ["api-key"],
    tenantScoped: true,
    commands: {
      ListApiKeys: { columns: KEY_COLUMNS },
      CreateApiKey: { examples: ["svault api-keys create --tenant-id acme --name 'Deploy bot' --scopes users:read users:write"] },
    },
  },
  {
    name: "blocked",
    service: BlockerService,
    summary: "IP addresses and usernames blocked by login throttling, and lifting blocks.",
    nouns: ["blocked"],
    tenantScoped: true,
  },
  {
    name: "sessions",
    service: AuthService,
    summary: "The sessions of the API key's owner, or with --user of any user of the tenant, and ending them.",
    nouns: ["session"],
    only: ["ListSessions", "RevokeSession", "RevokeAllSession"],
    tenantScoped: true,
    commands: {
      ListSessions: {
        forUser: UserService.method.listUserSessions,
        columns: SESSION_COLUMNS,
        examples: ["svault sessions list", "svault sessions list --user 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --tenant-id acme"],
      },
      RevokeSession: {
        positional: ["session_id"],
        forUser: UserService.method.revokeUserSessions,
        examples: [
          "svault sessions revoke 9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b",
          "svault sessions revoke --user 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --tenant-id acme",
        ],
      },
    },
  },
  {
    name: "passkeys",
    service: UserService,
    summary: "The passkeys of the API key's owner, or with --user of any user of the tenant: listing, renaming, deleting.",
    nouns: ["user", "passkey"],
    only: ["ListUserPasskeys", "DeleteUserPasskey", "UpdateUserPasskey"],
    tenantScoped: true,
    commands: {
      ListUserPasskeys: {
        forUser: PasskeyService.method.listPasskeysOfUser,
        columns: PASSKEY_COLUMNS,
        examples: ["svault passkeys list", "svault passkeys list --user 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --tenant-id acme"],
      },
      DeleteUserPasskey: {
        positional: ["key_id"],
        forUser: PasskeyService.method.deletePasskeyOfUser,
        examples: [
          "svault passkeys delete 5d0c9a8b-7e6f-4a3b-9c2d-1e0f9a8b7c6d",
          "svault passkeys delete 5d0c9a8b-7e6f-4a3b-9c2d-1e0f9a8b7c6d --user 0b6d8c2e-5f3a-4e1b-9c7d-2a4f6e8b0c1d --tenant-id acme",
        ],
      },
      UpdateUserPasskey: {
        positional: ["key_id"],
        examples: ["svault passkeys update 5d0c9a8b-7e6f-4a3b-9c2d-1e0f9a8b7c6d --name 'Work laptop'"],
      },
    },
  },
  {
    name: "keys",
    service: TenantKeyService,
    summary: "A tenant's signing and encryption keys: their schedule, and rotation.",
    nouns: ["tenant-key"],
    tenantScoped: true,
    commands: {
      ListTenantKeys: { columns: TENANT_KEY_COLUMNS },
      RotateTenantKey: {
        rows: ["key", "replaced"],
        columns: TENANT_KEY_COLUMNS,
        examples: ["svault keys rotate --tenant-id acme --alg RS256"],
      },
    },
  },
  {
    name: "groups",
    service: GroupService,
    summary: "A tenant's groups as SCIM provisioned them, and their members (read-only).",
    nouns: ["group"],
    tenantScoped: true,
    commands: {
      ListGroups: { columns: GROUP_COLUMNS, examples: ["svault groups list --tenant-id acme --display-name eng"] },
      GetGroup: { examples: ["svault groups get 3c9e1f0a-7b2d-4e5f-8a6b-1c2d3e4f5a6b --tenant-id acme"] },
    },
  },
  {
    name: "scim",
    service: ScimService,
    summary:
      "SCIM 2.0 provisioning (docs/scim.md): the discovery documents and the caller's own user; users and groups as `scim users`, `scim groups`.",
    nouns: [],
    only: ["GetServiceProviderConfig", "ListSchemas", "GetSchema", "ListResourceTypes", "GetResourceType", "GetMe"],
    tenantScoped: true,
    commands: {
      GetServiceProviderConfig: { name: "config", examples: ["svault scim config --tenant-id acme"] },
      ListSchemas: { name: "schemas", rows: SCIM_LIST, columns: ["id", "name", "description"] },
      GetSchema: {
        name: "schema",
        examples: ["svault scim schema urn:ietf:params:scim:schemas:core:2.0:User --tenant-id acme -o json"],
      },
      ListResourceTypes: { name: "resource-types", rows: SCIM_LIST, columns: ["id", "name", "endpoint", "schema"] },
      GetResourceType: { name: "resource-type", examples: ["svault scim resource-type User --tenant-id acme"] },
      GetMe: { name: "me", examples: ["svault scim me --tenant-id acme"] },
    },
  },
  {
    name: "users",
    under: "scim",
    service: ScimService,
    summary: `The tenant's users as SCIM resources: filter, create, replace, patch, delete. ${SCIM_KEY}`,
    nouns: ["user"],
    only: ["ListUsers", "GetUser", "CreateUser", "ReplaceUser", "PatchUser", "DeleteUser"],
    tenantScoped: true,
    commands: {
      ListUsers: {
        rows: SCIM_LIST,
        columns: SCIM_USER_COLUMNS,
        examples: ["svault scim users list --tenant-id acme --filter 'userName sw \"al\" and active eq true' --count 20"],
      },
      GetUser: { examples: [`svault scim users get ${SCIM_USER_ID} --tenant-id acme -o json`] },
      CreateUser: {
        examples: [
          `svault scim users create --tenant-id acme --data '{"userName": "alice", "emails": [{"value": "alice@example.com", "primary": true}]}'`,
          "svault scim users create --tenant-id acme --data @alice.json",
        ],
      },
      ReplaceUser: {
        examples: [
          `svault scim users get ${SCIM_USER_ID} --tenant-id acme -o json | jq '.title = "CTO"' | svault scim users replace ${SCIM_USER_ID} --tenant-id acme --data -`,
        ],
      },
      PatchUser: {
        examples: [
          `svault scim users patch ${SCIM_USER_ID} --tenant-id acme --data '{"Operations": [{"op": "replace", "path": "active", "value": false}]}'`,
        ],
      },
      DeleteUser: { examples: [`svault scim users delete ${SCIM_USER_ID} --tenant-id acme`] },
    },
  },
  {
    name: "groups",
    under: "scim",
    service: ScimService,
    summary: `The tenant's groups as SCIM resources, with their members: filter, create, replace, patch, delete. ${SCIM_KEY}`,
    nouns: ["group"],
    only: ["ListGroups", "GetGroup", "CreateGroup", "ReplaceGroup", "PatchGroup", "DeleteGroup"],
    tenantScoped: true,
    commands: {
      ListGroups: {
        rows: SCIM_LIST,
        columns: SCIM_GROUP_COLUMNS,
        examples: ["svault scim groups list --tenant-id acme --filter 'displayName eq \"Ops\"'"],
      },
      GetGroup: { examples: [`svault scim groups get ${SCIM_GROUP_ID} --tenant-id acme --excluded-attributes members`] },
      CreateGroup: {
        examples: [`svault scim groups create --tenant-id acme --data '{"displayName": "Ops", "members": [{"value": "${SCIM_USER_ID}"}]}'`],
      },
      ReplaceGroup: {
        examples: [`svault scim groups replace ${SCIM_GROUP_ID} --tenant-id acme --data '{"displayName": "Operations"}'`],
      },
      PatchGroup: {
        examples: [
          `svault scim groups patch ${SCIM_GROUP_ID} --tenant-id acme --data '{"Operations": [{"op": "add", "path": "members", "value": [{"value": "${SCIM_USER_ID}"}]}]}'`,
        ],
      },
      DeleteGroup: { examples: [`svault scim groups delete ${SCIM_GROUP_ID} --tenant-id acme`] },
    },
  },
  {
    name: "entra",
    service: MfaAdminService,
    summary: "The tenant as Microsoft Entra ID's external MFA method: its settings and account links (docs/entra-mfa.md).",
    nouns: ["entra-settings", "entra-user-link"],
    tenantScoped: true,
    commands: {
      GetEntraSettings: { name: "get", rows: ["settings"], examples: ["svault entra get --tenant-id acme"] },
      UpdateEntraSettings: {
        name: "update",
        rows: ["settings"],
        examples: [
          "svault entra update --tenant-id acme --enabled --client-id 6f1c0d7e-2b7a-4d2e-9a51-3c1f9b0e4a11 --allowed-tenant-ids 9122040d-6c67-4c5b-b112-36a304b66dad --user-match email",
        ],
      },
      ListEntraUserLinks: { name: "links", examples: ["svault entra links --tenant-id acme"] },
      CreateEntraUserLink: {
        name: "link",
        rows: ["link"],
        examples: [
          "svault entra link --tenant-id acme --entra-tenant-id 9122040d-6c67-4c5b-b112-36a304b66dad --object-id 951ddb04-b16d-45f3-bbf7-b0fa18fa7aee --user-id 3f2b8c1e-5d4a-4b6f-8e2d-1a9c7b6e5d40",
        ],
      },
      DeleteEntraUserLink: {
        name: "unlink",
        examples: [
          "svault entra unlink --tenant-id acme --entra-tenant-id 9122040d-6c67-4c5b-b112-36a304b66dad 951ddb04-b16d-45f3-bbf7-b0fa18fa7aee",
        ],
      },
    },
  },
];

/** The group's commands: every unary method it does not leave out, named and tweaked. */
export function commandSpecs(group: CommandGroup): RpcCommandSpec[] {
  return group.service.methods
    .filter((method): method is DescMethodUnary => method.methodKind === "unary")
    .filter((method) => (group.only ? group.only.includes(method.name) : !group.omit?.[method.name]))
    .map((method) => {
      const tweaks = group.commands?.[method.name] ?? {};
      return {
        group: group.under === undefined ? group.name : `${group.under} ${group.name}`,
        method,
        tenantScoped: group.tenantScoped,
        ...tweaks,
        name: tweaks.name ?? commandName(method.name, group.nouns),
      };
    });
}

/** `GetApiKeyScopes` without the noun `api-key` → `get-scopes`; plural nouns go too. */
export function commandName(methodName: string, nouns: readonly string[]): string {
  const words = methodName.split(/(?=[A-Z])/).map((word) => word.toLowerCase());
  for (const noun of nouns) {
    const nounWords = noun.split("-");
    for (let i = 0; i + nounWords.length <= words.length; i++) {
      const matches = nounWords.every((word, j) => {
        const candidate = words[i + j];
        return candidate === word || (j === nounWords.length - 1 && candidate === `${word}s`);
      });
      if (matches) words.splice(i, nounWords.length);
    }
  }
  return words.join("-");
}
