// The repositories of one tenant within one unit of work (docs/architecture.md, "The data path").
// A request builds it once for the tenant it acts in; every repository adds that tenant to each
// of its statements itself, so no caller can forget it. Built lazily: a request pays only for
// the repositories it uses.
import { AccountRepository } from "./account-repository.js";
import { ChallengeRepository } from "./challenge-repository.js";
import { CredentialRepository } from "./credential-repository.js";
import { AuthorizationRepository } from "./authorization-repository.js";
import { BlockerRepository } from "./blocker-repository.js";
import { EntraMfaRepository } from "./entra-mfa-repository.js";
import { GroupRepository } from "./group-repository.js";
import { ScimUserRepository } from "./scim-user-repository.js";
import { DpopBindingRepository } from "./dpop-binding-repository.js";
import { PushedRequestRepository } from "./pushed-request-repository.js";
import { UsedJtiRepository } from "./used-jti-repository.js";
import { PasskeyRepository } from "./passkey-repository.js";
import { FaceRepository } from "./face-repository.js";
import type { UnitOfWork } from "../unit-of-work.js";
import { ApiKeyRepository } from "./api-key-repository.js";
import { ClientRepository } from "./client-repository.js";
import { GrantRepository } from "./grant-repository.js";
import { SessionRepository } from "./session-repository.js";
import { TenantKeyRepository } from "./tenant-key-repository.js";
import { TenantRowRepository } from "./tenant-row-repository.js";
import { UserRepository } from "./user-repository.js";

export class TenantRepositories {
  private readonly built = new Map<string, unknown>();

  constructor(
    private readonly uow: UnitOfWork,
    readonly tenantId: string,
  ) {}

  get blocker(): BlockerRepository {
    return this.once("blocker", () => new BlockerRepository(this.uow, this.tenantId));
  }

  /** Runs `work` in one transaction: what it writes through these repositories commits together, or not at all. */
  transactional<T>(work: (tx: TenantRepositories) => Promise<T>): Promise<T> {
    return this.uow.transactional((tx) => work(new TenantRepositories(tx, this.tenantId)));
  }

  private once<R>(name: string, build: () => R): R {
    let repository = this.built.get(name) as R | undefined;
    if (repository === undefined) {
      repository = build();
      this.built.set(name, repository);
    }
    return repository;
  }

  // Users (issue 15, repo-users).
  get users(): UserRepository {
    return this.once("users", () => new UserRepository(this.uow, this.tenantId));
  }

  // The Entra external authentication method (issue 18).
  get entraMfa(): EntraMfaRepository {
    return this.once("entraMfa", () => new EntraMfaRepository(this.uow, this.tenantId));
  }

  // SCIM provisioning (issue 17): users' SCIM profiles, groups and their members.
  get scimUsers(): ScimUserRepository {
    return this.once("scimUsers", () => new ScimUserRepository(this.uow, this.tenantId));
  }

  get groups(): GroupRepository {
    return this.once("groups", () => new GroupRepository(this.uow, this.tenantId));
  }

  // OpenID conformance profile (issue 24): PAR, the JWT replay cache, DPoP bindings.
  get pushedRequests(): PushedRequestRepository {
    return this.once("pushedRequests", () => new PushedRequestRepository(this.uow, this.tenantId));
  }

  get usedJtis(): UsedJtiRepository {
    return this.once("usedJtis", () => new UsedJtiRepository(this.uow, this.tenantId));
  }

  get dpopBindings(): DpopBindingRepository {
    return this.once("dpopBindings", () => new DpopBindingRepository(this.uow, this.tenantId));
  }

  // Passkeys (issue 16).
  get passkeys(): PasskeyRepository {
    return this.once("passkeys", () => new PasskeyRepository(this.uow, this.tenantId));
  }

  /** The face factor (issue 19): liveness challenges, sealed templates, the Liveness Report's rollup. */
  get face(): FaceRepository {
    return this.once("face", () => new FaceRepository(this.uow, this.tenantId));
  }

  // API keys, clients, OAuth grants, sessions, the tenant's row and keys (issue 15, repo).
  get apiKeys(): ApiKeyRepository {
    return this.once("apiKeys", () => new ApiKeyRepository(this.uow, this.tenantId));
  }

  get clients(): ClientRepository {
    return this.once("clients", () => new ClientRepository(this.uow, this.tenantId));
  }

  get grants(): GrantRepository {
    return this.once("grants", () => new GrantRepository(this.uow, this.tenantId));
  }

  get sessions(): SessionRepository {
    return this.once("sessions", () => new SessionRepository(this.uow, this.tenantId));
  }

  /** The tenant's own row. */
  get tenant(): TenantRowRepository {
    return this.once("tenant", () => new TenantRowRepository(this.uow, this.tenantId));
  }

  get tenantKeys(): TenantKeyRepository {
    return this.once("tenantKeys", () => new TenantKeyRepository(this.uow, this.tenantId));
  }

  // The self-service login flows (issue 15, loginrepo): registration challenges, OPAQUE
  // credentials and setup, one-time codes. The login's own hot statements are LoginStore's.
  get challenges(): ChallengeRepository {
    return this.once("challenges", () => new ChallengeRepository(this.uow, this.tenantId));
  }

  get credentials(): CredentialRepository {
    return this.once("credentials", () => new CredentialRepository(this.uow, this.tenantId));
  }

  get accounts(): AccountRepository {
    return this.once("accounts", () => new AccountRepository(this.uow, this.tenantId));
  }

  // The authorization endpoint and Sign In (issue 16, factors).
  get authorization(): AuthorizationRepository {
    return this.once("authorization", () => new AuthorizationRepository(this.uow, this.tenantId));
  }
}
