"""All configuration of chotdon, read once from the environment and passed explicitly.

Production sets DATABASE_URL and REDIS_URL; without them chotdon runs embedded Postgres and Redis
under CHOTDON_DATA_DIR. Every other setting carries the CHOTDON_ prefix.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aggregator.core.forwarded import parse_networks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHOTDON_", extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CHOTDON_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "CHOTDON_REDIS_URL")
    )
    data_dir: Path = Path(".chotdon-data")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Back-pressure: webhook/relay requests in flight at most (each may hold a body of up to
    # max_body_bytes), and the ingest queue's size; past either the web answers 503 Retry-After.
    max_inflight_deliveries: int = Field(default=256, ge=1)
    ingest_queue_size: int = Field(default=20_000, ge=10)
    # Raw webhook bodies (webhook_deliveries.body) are emptied after this many days (0: kept).
    webhook_body_retention_days: int = Field(default=30, ge=0)
    # Refused (unverified) deliveries recorded per client address and minute, and in all per
    # minute, by each web process; past either they are only counted (/metrics).
    refusals_recorded_per_minute: int = Field(default=30, ge=0)
    refusals_recorded_total: int = Field(default=600, ge=0)

    # Secrets: never literals in code. The demo generates an app secret under data_dir.
    app_secret: SecretStr | None = None
    # Bearer token for /metrics and the heartbeat API from outside the private network (see
    # aggregator/web/operations.py); none: only direct requests from private addresses.
    ops_token: SecretStr | None = None
    # Keys sealing stored credentials, newest first, comma-separated. The newest encrypts, every
    # one decrypts; `chotdon rotate-keys` re-seals everything with the newest. Empty: app_secret.
    credential_keys: SecretStr | None = None
    ghn_token: SecretStr | None = None
    ghtk_token: SecretStr | None = None
    viettelpost_token: SecretStr | None = None
    # Couriers: base URLs point at the simulator in demo and tests. GHN's shop id is its ShopId
    # header, GHTK's client source its X-Client-Source. Webhook secrets: GHN custom header or
    # ?token=, GHTK ?hash=, Viettel Post Authorization header / body TOKEN.
    ghn_base_url: str = "https://online-gateway.ghn.vn/shiip/public-api"
    ghtk_base_url: str = "https://services.giaohangtietkiem.vn"
    viettelpost_base_url: str = "https://partner.viettelpost.vn"
    # Viettel Post prints labels on another host (its "digitalize" print page), hence a setting.
    viettelpost_print_url: str = "https://digitalize.viettelpost.vn/DigitalizePrint/report.do"
    ghn_shop_id: str = ""
    ghtk_client_source: str = ""
    ghn_webhook_secret: SecretStr | None = None
    ghtk_webhook_secret: SecretStr | None = None
    viettelpost_webhook_secret: SecretStr | None = None
    courier_webhook_allow_ips: str = ""  # comma-separated IPs/CIDRs; empty: any
    courier_default: str = Field(default="ghn", pattern="^(ghn|ghtk|viettelpost)$")
    courier_timeout_s: float = Field(default=10.0, gt=0)
    courier_poll_after_s: float = Field(default=6 * 3600.0, gt=0)
    # Facebook: the Meta app secret signs webhooks (X-Hub-Signature-256); the verify token answers
    # the subscription handshake. Base URLs point at the simulator in demo and tests.
    facebook_app_secret: SecretStr | None = None
    # Messages a Page sends per second at most, across all workers (below Meta's limits).
    facebook_send_per_s: int = Field(default=10, ge=1)
    facebook_verify_token: SecretStr | None = None
    facebook_graph_url: str = "https://graph.facebook.com/v21.0"
    facebook_streaming_url: str = "https://streaming-graph.facebook.com"
    facebook_comment_rate: str = Field(
        default="one_hundred_per_second",
        pattern="^(one_per_two_seconds|ten_per_second|one_hundred_per_second)$",
    )
    facebook_poll_interval_s: float = Field(default=3.0, gt=0)
    facebook_discover_interval_s: float = Field(default=15.0, gt=0)
    # Relay (live comments posted by a bridge): signed batches older or newer than the window are
    # refused as replays. Each relay channel's secret is stored encrypted on its channel row.
    relay_window_s: int = Field(default=300, ge=10)
    relay_max_comments: int = Field(default=2000, ge=1)
    # TikTok Shop (Partner API): the app key/secret sign webhooks and API calls; the sync job
    # (a cron job) searches orders updated since its last run, minus an overlap.
    tiktok_app_key: str = ""
    tiktok_app_secret: SecretStr | None = None
    tiktok_api_url: str = "https://open-api.tiktokglobalshop.com"
    tiktok_auth_url: str = "https://auth.tiktok-shops.com"  # token refresh
    tiktok_sync_overlap_s: int = Field(default=300, ge=0)
    tiktok_first_sync_s: int = Field(default=86_400, ge=60)
    # Zalo OA: X-ZEvent-Signature = sha256(app id + body + timestamp + OA secret key).
    zalo_app_id: str = ""
    zalo_oa_secret_key: SecretStr | None = None
    zalo_openapi_url: str = "https://openapi.zalo.me"
    # Zalo OA token refresh: the app secret (header secret_key) and the OAuth base URL.
    zalo_app_secret: SecretStr | None = None
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_zns_url: str = "https://business.openapi.zalo.me"  # ZNS template messages
    # Connect by login (issue 20 item 2: /cai-dat/kenh). The director logs in at the platform and
    # chotdon receives the tokens: Facebook Login for Business (app id + the configuration id of
    # the Login for Business configuration; the app secret above), Zalo OA OAuth v4 with PKCE
    # (zalo_app_id / zalo_app_secret above, permission screen on zalo_oauth_url), TikTok Shop's
    # authorization link (the app's service id; the redirect URL is the one registered for the
    # app: <public_url>/cai-dat/kenh/tiktok/ve). A login must come back within channel_login_ttl_s.
    facebook_app_id: str = ""
    facebook_login_config_id: str = ""
    facebook_dialog_url: str = "https://www.facebook.com/v21.0/dialog/oauth"
    tiktok_service_id: str = ""
    tiktok_authorize_url: str = "https://services.tiktokshop.com/open/authorize"
    channel_login_ttl_s: int = Field(default=900, ge=60)

    # Behind a reverse proxy: the proxies' addresses/CIDRs, comma-separated. Only a request from
    # one of them has its client address taken from X-Forwarded-For / Forwarded and its scheme
    # from X-Forwarded-Proto (login limits, courier allow-list, logs, Secure cookies).
    trusted_proxies: str = ""
    secure_cookies: bool = False  # Secure cookies even without https public_url or proxy header
    # Logins: argon2 checks run on this many threads, with at most password_queue waiting (then
    # 503). Tries allowed before progressive delays (first, doubled each try, up to the longest)
    # per client address, per login, per trusted device; per minute for the whole server.
    # One hashing thread and 30 new-device tries a minute by default: measured by `chotdon bench
    # hostile`, more hashing at once slows every webhook on a small box (a trusted device has its
    # own lane and skips the per-minute budget).
    password_workers: int = Field(default=1, ge=1)
    password_queue: int = Field(default=8, ge=0)
    login_tries_per_address: int = Field(default=10, ge=1)
    login_tries_per_login: int = Field(default=5, ge=1)
    login_tries_per_device: int = Field(default=5, ge=1)
    login_tries_per_minute: int = Field(default=30, ge=1)
    login_first_delay_s: float = Field(default=2.0, gt=0)
    login_longest_delay_s: float = Field(default=300.0, gt=0)
    trusted_device_days: int = Field(default=180, ge=1)

    pg_pool_min: int = Field(default=1, ge=0)
    pg_pool_max: int = Field(default=10, ge=1)
    # Staff pages' own pool (row-level security applies to it), beside the webhooks' pool.
    pg_staff_pool_max: int = Field(default=5, ge=1)
    worker_max_jobs: int = Field(default=8, ge=1)
    worker_poll_delay_s: float = Field(default=0.1, gt=0)
    # How long a buyer has to confirm an order from comments before its hold expires.
    confirm_window_s: float = Field(default=1800, gt=0)
    # Buyer confirmation: links to the order page are signed with a key derived from app_secret and
    # expire after buyer_link_ttl_s; messages about one order coalesce over buyer_message_delay_s;
    # one reminder goes out reminder_after_s after the order was created, before it expires.
    buyer_link_ttl_s: int = Field(default=7 * 86_400, ge=60)
    buyer_message_delay_s: float = Field(default=20.0, ge=0)
    reminder_after_s: float = Field(default=15 * 60, gt=0)
    # Bank-transfer notifications (POST /webhooks/payments): "token" (Authorization: Apikey <secret>
    # or X-Chotdon-Token) or "hmac" (X-Chotdon-Signature: sha256=<hex HMAC-SHA256 of the body>).
    payment_webhook_auth: str = Field(default="token", pattern="^(token|hmac)$")
    payment_webhook_secret: SecretStr | None = None
    arq_queue: str = "chotdon:queue"

    # Cooperative set-up (issue 20): with a setup token, the first-run page (/thiet-lap) of an
    # empty installation asks for it, so whoever reaches a fresh public server first cannot claim
    # it. Without one, the first visitor sets the installation up.
    setup_token: SecretStr | None = None

    log_level: str = "info"
    log_json: bool = True

    # Privacy (personal data, Law 91/2025/QH15): days staff have to carry out a buyer's request
    # made from their order link (Decree 356/2025 sets up to 15 days for most requests).
    privacy_request_days: int = Field(default=15, ge=1, le=30)
    # taxorigin: a household's yearly revenue above which it declares tax per quarter (below it
    # notifies revenue per half-year). 500 million VND since Decree 68/2026/NĐ-CP; the 200
    # million of the 2024 VAT law before it (README "Tax and e-invoices").
    tax_threshold_vnd: int = Field(default=500_000_000, ge=0)
    # queues (issue 21, part 2): buyer messages, courier calls and platform calls run on their own
    # arq queue with their own worker slots, so a burst of sends never delays a merge. Unset, the
    # outbound queue is named after arq_queue ("<arq_queue>:outbound"), so a run that names its
    # own arq_queue (tests, benches, chaos) gets its own outbound queue too.
    arq_outbound_queue: str | None = None
    # Its jobs mostly wait on a platform's or a courier's answer. In `make bench`'s queue phase
    # (2,000 comments/s for 8 s, both queues in one worker process), 8 slots had sent 534 buyer
    # messages two minutes later and left 9,067 unsent; 32 sent all 9,753, with the merges' p99
    # at 915 ms against 801 (README "Two queues").
    worker_outbound_max_jobs: int = Field(default=32, ge=1)
    # The ingest bench's latency breakdown: a Redis list each merge round's timing is appended to
    # (aggregator/ingest/merge_jobs.py). Unset (production): nothing is recorded.
    bench_merge_rounds_key: str | None = None
    # partitions (issue 21, part 6): comments, webhook deliveries, order events and outbound
    # messages are kept in one partition per month (migration 0034). The daily job makes this many
    # months ahead, and drops a table's months older than its keep setting (0: keep every month;
    # the cooperatives' own retention schedule still empties personal data on its days).
    partition_months_ahead: int = Field(default=3, ge=1, le=24)
    partition_keep_months_comments: int = Field(default=0, ge=0)
    partition_keep_months_webhook_deliveries: int = Field(default=0, ge=0)
    partition_keep_months_order_events: int = Field(default=0, ge=0)
    partition_keep_months_outbound_messages: int = Field(default=0, ge=0)
    # scale (issue 21, part 7): several `chotdon serve` processes listen on one host:port with
    # SO_REUSEPORT and the kernel spreads connections over them (README "Growing past one
    # machine"). Each must then share app_secret, or one's cookies are refused by the others.
    reuse_port: bool = False

    @field_validator("trusted_proxies", "courier_webhook_allow_ips")
    @classmethod
    def _networks(cls, text: str) -> str:
        parse_networks(text)  # a typo fails at start, not as a silently open allow-list
        return text

    @property
    def uses_embedded_services(self) -> bool:
        return self.database_url is None or self.redis_url is None

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; explicit overrides (from CLI flags) win."""
    return Settings(**overrides)  # type: ignore[arg-type]
