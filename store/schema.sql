-- Generated from model/flow-fields.ts and store/schema.ts by store/migrations.ts (schemaFileText); do not edit.
-- Regenerate: CAMWATCH_UPDATE_GENERATED=1 npx vitest run test/store/schema.test.ts

CREATE TABLE IF NOT EXISTS `default`.`schema_migrations`
(
    `version` UInt32,
    `name` String,
    `applied_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY version;

CREATE TABLE IF NOT EXISTS `default`.`flows`
(
    `start` DateTime64(3) CODEC(DoubleDelta, ZSTD(1)),
    `end` DateTime64(3) CODEC(DoubleDelta, ZSTD(1)),
    `proto` UInt8,
    `vlan` UInt16,
    `orig_ip` IPv6,
    `resp_ip` IPv6,
    `orig_port` UInt16,
    `resp_port` UInt16,
    `orig_mac` String,
    `resp_mac` String,
    `orig_packets` UInt64 CODEC(T64, ZSTD(1)),
    `resp_packets` UInt64 CODEC(T64, ZSTD(1)),
    `orig_bytes` UInt64 CODEC(T64, ZSTD(1)),
    `resp_bytes` UInt64 CODEC(T64, ZSTD(1)),
    `tcp_flags` UInt8,
    `orig_gap_median_ms` UInt32 CODEC(T64, ZSTD(1)),
    `resp_gap_median_ms` UInt32 CODEC(T64, ZSTD(1)),
    `orig_gap_mad_ms` UInt32 CODEC(T64, ZSTD(1)),
    `resp_gap_mad_ms` UInt32 CODEC(T64, ZSTD(1)),
    `state` LowCardinality(String),
    `end_reason` LowCardinality(String),
    `community_id` String,
    `dns_query` String,
    `dns_answers` Array(String),
    `tls_sni` String,
    `tls_alpn` Array(String),
    `tls_version` LowCardinality(String),
    `ja4` String,
    `tls_cert_subject` String,
    `tls_cert_issuer` String,
    `http_host` String,
    `http_user_agent` String,
    `http_method` LowCardinality(String),
    `http_path` String,
    `soap_action` LowCardinality(String),
    `ntp_mode` UInt8,
    `ssdp` String,
    `stun` LowCardinality(String),
    `app_proto` LowCardinality(String),
    `device_side` LowCardinality(String),
    `device_ip` IPv6,
    `device_name` LowCardinality(String),
    `device_vendor` LowCardinality(String),
    `device_site` LowCardinality(String),
    `peer_ip` IPv6,
    `peer_port` UInt16,
    `peer_class` LowCardinality(String),
    `peer_country` LowCardinality(String),
    `peer_city` LowCardinality(String),
    `peer_asn` UInt32,
    `peer_as_org` LowCardinality(String),
    `peer_name` String,
    `peer_name_source` LowCardinality(String),
    `source_format` LowCardinality(String),
    `source_file` LowCardinality(String),
    `source_record` UInt64,
    `ingest_id` LowCardinality(String),
    `inserted_at` DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(start)
ORDER BY (device_side, device_ip, start)
TTL inserted_at + INTERVAL 90 DAY
SETTINGS min_bytes_for_wide_part = 134217728;

CREATE TABLE IF NOT EXISTS `default`.`ingests`
(
    `id` String,
    `version` UInt64,
    `sha256` String,
    `file` String,
    `format` LowCardinality(String),
    `status` LowCardinality(String),
    `records` UInt64,
    `flows` UInt64,
    `names` UInt64,
    `rejected` UInt64,
    `bytes` UInt64,
    `started_at` DateTime64(3, 'UTC'),
    `finished_at` DateTime64(3, 'UTC'),
    `error` String,
    `owner` String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS `default`.`dns_names`
(
    `client` IPv6,
    `name` String,
    `address` String,
    `type` LowCardinality(String),
    `ttl` UInt32,
    `first_seen` DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    `last_seen` DateTime64(3, 'UTC'),
    `count` UInt64,
    `source_format` LowCardinality(String),
    `source_file` LowCardinality(String),
    `ingest_id` LowCardinality(String),
    `inserted_at` DateTime('UTC') DEFAULT now() CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(first_seen)
ORDER BY (address, name, first_seen)
TTL inserted_at + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS `default`.`devices`
(
    `ip` IPv6,
    `version` UInt64,
    `mac` String,
    `name` String,
    `vendor` LowCardinality(String),
    `model` LowCardinality(String),
    `site` LowCardinality(String),
    `tags` Array(String),
    `first_seen` DateTime64(3, 'UTC'),
    `last_seen` DateTime64(3, 'UTC'),
    `updated_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY ip;

CREATE TABLE IF NOT EXISTS `default`.`alerts`
(
    `id` String,
    `version` UInt64,
    `device_ip` IPv6,
    `peer_ip` IPv6,
    `peer_name` String,
    `detector` LowCardinality(String),
    `severity` LowCardinality(String),
    `score` Float64,
    `first_seen` DateTime64(3, 'UTC'),
    `last_seen` DateTime64(3, 'UTC'),
    `count` UInt64,
    `bytes` UInt64,
    `explanation` String,
    `evidence` String,
    `status` LowCardinality(String),
    `updated_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

ALTER TABLE `default`.`alerts` ADD COLUMN IF NOT EXISTS `device_name` String, ADD COLUMN IF NOT EXISTS `device_vendor` LowCardinality(String), ADD COLUMN IF NOT EXISTS `device_site` LowCardinality(String), ADD COLUMN IF NOT EXISTS `peer_port` UInt16, ADD COLUMN IF NOT EXISTS `peer_country` LowCardinality(String), ADD COLUMN IF NOT EXISTS `peer_asn` UInt32, ADD COLUMN IF NOT EXISTS `peer_as_org` String, ADD COLUMN IF NOT EXISTS `bytes_in` UInt64, ADD COLUMN IF NOT EXISTS `sub_scores` String, ADD COLUMN IF NOT EXISTS `assignee` String, ADD COLUMN IF NOT EXISTS `close_reason` String;

CREATE TABLE IF NOT EXISTS `default`.`alert_history`
(
    `alert_id` String,
    `at` DateTime64(3, 'UTC'),
    `actor` String,
    `action` LowCardinality(String),
    `field` LowCardinality(String),
    `old` String,
    `new` String,
    `version` UInt64,
    `seq` UInt32
)
ENGINE = MergeTree
ORDER BY (alert_id, at);

CREATE TABLE IF NOT EXISTS `default`.`baselines`
(
    `name` LowCardinality(String),
    `device_ip` IPv6,
    `peer_name` String,
    `peer_ip` IPv6,
    `peer_ips` Array(IPv6),
    `proto` UInt8,
    `port` UInt16,
    `initiated` LowCardinality(String),
    `local` UInt8,
    `flows` UInt64,
    `bytes_out` UInt64,
    `bytes_in` UInt64,
    `first_seen` DateTime64(3, 'UTC'),
    `last_seen` DateTime64(3, 'UTC'),
    `device_name` String,
    `device_vendor` LowCardinality(String),
    `device_site` LowCardinality(String)
)
ENGINE = MergeTree
ORDER BY (name, device_ip, peer_name, peer_ip, proto, port);

CREATE TABLE IF NOT EXISTS `default`.`baseline_entries`
(
    `name` String,
    `version` UInt64,
    `since` DateTime64(3, 'UTC'),
    `until` DateTime64(3, 'UTC'),
    `device_filter` Array(String),
    `devices` Array(IPv6),
    `peers` UInt64,
    `rows` UInt64,
    `flows` UInt64,
    `learned_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;
