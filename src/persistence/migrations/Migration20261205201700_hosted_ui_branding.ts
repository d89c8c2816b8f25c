import { Migration } from "@mikro-orm/migrations";

export class Migration20261205201700_hosted_ui_branding extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "tenant" add column "logo_uri" varchar(2048) not null default '', add column "primary_color" varchar(7) not null default '', add column "background_color" varchar(7) not null default '', add column "support_uri" varchar(2048) not null default '', add column "privacy_policy_uri" varchar(2048) not null default '', add column "terms_of_service_uri" varchar(2048) not null default '', add column "default_locale" varchar(35) not null default 'en', add column "proto_version" varchar(128) not null default 'opaque-3dh/ristretto255-sha512/argon2id-m65536-t3-p1';`,
    );

    this.addSql(
      `alter table "client" add column "primary_color" varchar(7) null, add column "background_color" varchar(7) null, add column "support_uri" varchar(2048) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "client" drop column "primary_color", drop column "background_color", drop column "support_uri";`);

    this.addSql(
      `alter table "tenant" drop column "logo_uri", drop column "primary_color", drop column "background_color", drop column "support_uri", drop column "privacy_policy_uri", drop column "terms_of_service_uri", drop column "default_locale", drop column "proto_version";`,
    );
  }
}
