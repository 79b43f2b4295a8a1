#include "archived/daemon/config.h"

#include <charconv>

#include <toml++/toml.h>

#include "archived/base/status_macros.h"
#include "archived/catalog/file_plan.h"

namespace archived::daemon {
namespace {

// Reads one table's keys into `config`, refusing keys it does not know.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string name) : table_(table), name_(std::move(name)) {}

  template <typename T>
  Status Read(std::string_view key, T* out) {
    seen_.emplace_back(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return OkStatus();
    }
    if constexpr (std::is_same_v<T, std::string>) {
      if (const auto v = node->value<std::string>()) {
        *out = *v;
        return OkStatus();
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (const auto v = node->value<bool>()) {
        *out = *v;
        return OkStatus();
      }
    } else {
      if (const auto v = node->value<std::int64_t>(); v && *v >= 0) {
        *out = static_cast<T>(*v);
        return OkStatus();
      }
    }
    return InvalidArgumentError("config key " + Name(key) + " has the wrong type");
  }

  // Call after every Read: any key not read is unknown.
  Status CheckNoUnknownKeys() const {
    for (const auto& [key, node] : table_) {
      if (std::find(seen_.begin(), seen_.end(), key.str()) == seen_.end() && !node.is_table() &&
          !node.is_array_of_tables()) {
        return InvalidArgumentError("unknown config key " + Name(key.str()));
      }
    }
    return OkStatus();
  }

 private:
  std::string Name(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }
  const toml::table& table_;
  const std::string name_;
  std::vector<std::string> seen_;
};

const toml::table& Section(const toml::table& root, std::string_view name) {
  static const toml::table kEmpty;
  const toml::table* t = root[name].as_table();
  return t != nullptr ? *t : kEmpty;
}

Status ReadFilePlan(const toml::table& root, DaemonConfig* config) {
  const toml::array* plan = root["file_plan"].as_array();
  if (plan == nullptr) {
    return OkStatus();
  }
  for (const toml::node& node : *plan) {
    const toml::table* row = node.as_table();
    if (row == nullptr) {
      return InvalidArgumentError("file_plan must be an array of tables ([[file_plan]])");
    }
    TableReader reader(*row, "file_plan");
    std::string code, name, retention;
    ARCHIVED_RETURN_IF_ERROR(reader.Read("code", &code));
    ARCHIVED_RETURN_IF_ERROR(reader.Read("name", &name));
    ARCHIVED_RETURN_IF_ERROR(reader.Read("retention", &retention));
    ARCHIVED_RETURN_IF_ERROR(reader.CheckNoUnknownKeys());
    ARCHIVED_RETURN_IF_ERROR(catalog::ValidateCategoryCode(code).Annotate("file_plan"));
    ARCHIVED_ASSIGN_OR_RETURN(const v1::RetentionClass retention_class,
                              catalog::ParseRetentionClass(retention));
    v1::Category category;
    category.set_code(code);
    category.set_name(name);
    category.set_retention_class(retention_class);
    config->catalog.initial_file_plan.push_back(std::move(category));
  }
  return OkStatus();
}

Status ReadTables(const toml::table& root, DaemonConfig* config) {
  for (const auto& [key, node] : root) {
    static const std::vector<std::string> kSections = {"server", "storage", "archive", "limits", "search", "auth", "audit",
                                                       "keys", "scrub", "backup", "retention", "file_plan", "registers"};
    if (std::find(kSections.begin(), kSections.end(), key.str()) == kSections.end()) {
      return InvalidArgumentError("unknown config section or key \"" + std::string(key.str()) + "\"");
    }
  }
  TableReader server(Section(root, "server"), "server");
  std::string listen;
  ARCHIVED_RETURN_IF_ERROR(server.Read("listen", &listen));
  ARCHIVED_RETURN_IF_ERROR(server.Read("blocking_threads", &config->http.blocking_threads));
  ARCHIVED_RETURN_IF_ERROR(server.Read("search_threads", &config->http.search_threads));
  ARCHIVED_RETURN_IF_ERROR(server.Read("allow_plain_http_off_loopback", &config->allow_plain_http_off_loopback));
  ARCHIVED_RETURN_IF_ERROR(server.Read("tls_cert", &config->http.tls_cert_file));
  ARCHIVED_RETURN_IF_ERROR(server.Read("tls_key", &config->http.tls_key_file));
  ARCHIVED_RETURN_IF_ERROR(server.CheckNoUnknownKeys());
  if (!listen.empty()) {
    ARCHIVED_RETURN_IF_ERROR(ParseListen(listen, config));
  }
  TableReader storage(Section(root, "storage"), "storage");
  std::string data_dir;
  ARCHIVED_RETURN_IF_ERROR(storage.Read("data_dir", &data_dir));
  ARCHIVED_RETURN_IF_ERROR(storage.CheckNoUnknownKeys());
  if (!data_dir.empty()) config->data_dir = data_dir;

  TableReader archive(Section(root, "archive"), "archive");
  ARCHIVED_RETURN_IF_ERROR(archive.Read("fonds", &config->catalog.fonds));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("default_category", &config->catalog.default_category));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("chunk_bytes", &config->catalog.content.chunk_bytes));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("zstd_level", &config->catalog.content.zstd_level));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("small_content_zstd_level", &config->catalog.content.small_content_zstd_level));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("hold_bytes_per_upload", &config->catalog.content.hold_bytes_per_upload));
  ARCHIVED_RETURN_IF_ERROR(archive.Read("hold_bytes_total", &config->catalog.content.hold_bytes_total));
  ARCHIVED_RETURN_IF_ERROR(archive.CheckNoUnknownKeys());

  TableReader limits(Section(root, "limits"), "limits");
  http::HttpLimits& l = config->http.limits;
  std::int64_t idle_seconds = l.idle_timeout.count();
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_header_bytes", &l.max_header_bytes));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_upload_bytes", &l.max_upload_bytes));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_json_body_bytes", &l.max_json_body_bytes));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_connections", &l.max_connections));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_query_bytes", &l.max_query_bytes));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("idle_timeout_seconds", &idle_seconds));
  ARCHIVED_RETURN_IF_ERROR(limits.Read("max_page_size", &config->catalog.max_page_size));
  ARCHIVED_RETURN_IF_ERROR(limits.CheckNoUnknownKeys());
  l.idle_timeout = std::chrono::seconds(idle_seconds);

  TableReader search(Section(root, "search"), "search");
  indexer::IndexerOptions& ix = config->indexer;
  ARCHIVED_RETURN_IF_ERROR(search.Read("max_input_bytes", &ix.extract.max_input_bytes));
  ARCHIVED_RETURN_IF_ERROR(search.Read("max_text_bytes", &ix.extract.max_text_bytes));
  ARCHIVED_RETURN_IF_ERROR(search.Read("text_sample_bytes", &ix.index.text_sample_bytes));
  ARCHIVED_RETURN_IF_ERROR(search.Read("facet_sample", &ix.index.facet_sample));
  ARCHIVED_RETURN_IF_ERROR(search.Read("max_limit", &ix.index.max_limit));
  ARCHIVED_RETURN_IF_ERROR(search.Read("batch_entries", &ix.batch_entries));
  ARCHIVED_RETURN_IF_ERROR(search.Read("indexer_nice", &ix.nice));
  ARCHIVED_RETURN_IF_ERROR(search.Read("indexer_idle_class", &ix.idle_class));
  ARCHIVED_RETURN_IF_ERROR(search.Read("extractor", &ix.extract.helper));
  std::int64_t extract_seconds = std::chrono::duration_cast<std::chrono::seconds>(ix.extract.max_time).count();
  ARCHIVED_RETURN_IF_ERROR(search.Read("extract_timeout_seconds", &extract_seconds));
  ix.extract.max_time = std::chrono::seconds(extract_seconds);
  ARCHIVED_RETURN_IF_ERROR(search.Read("max_inflated_bytes", &ix.extract.max_inflated_bytes));
  ARCHIVED_RETURN_IF_ERROR(search.CheckNoUnknownKeys());

  TableReader auth(Section(root, "auth"), "auth");
  auth::AuthOptions& a = config->auth;
  ARCHIVED_RETURN_IF_ERROR(auth.Read("strict_separation", &a.strict_separation));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("default_token_ttl_seconds", &a.default_token_ttl_seconds));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("max_token_ttl_seconds", &a.max_token_ttl_seconds));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("min_password_bytes", &a.min_password_bytes));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("scrypt_log2_n", &a.scrypt_log2_n));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("max_failed_logins", &a.max_failed_logins));
  ARCHIVED_RETURN_IF_ERROR(auth.Read("failed_login_window_seconds", &a.failed_login_window_seconds));
  ARCHIVED_RETURN_IF_ERROR(auth.CheckNoUnknownKeys());

  TableReader keys(Section(root, "keys"), "keys");
  std::string passphrase_file;
  ARCHIVED_RETURN_IF_ERROR(keys.Read("passphrase_file", &passphrase_file));
  ARCHIVED_RETURN_IF_ERROR(keys.Read("rotation_batch_records", &config->rotation.batch_records));
  ARCHIVED_RETURN_IF_ERROR(keys.CheckNoUnknownKeys());
  if (!passphrase_file.empty()) config->passphrase_file = passphrase_file;

  TableReader scrub(Section(root, "scrub"), "scrub");
  std::int64_t scrub_seconds = config->scrub.every.count();
  ARCHIVED_RETURN_IF_ERROR(scrub.Read("every_seconds", &scrub_seconds));
  ARCHIVED_RETURN_IF_ERROR(scrub.CheckNoUnknownKeys());
  if (scrub_seconds < 0) return InvalidArgumentError("scrub.every_seconds must be 0 (off) or more");
  config->scrub.every = std::chrono::seconds(scrub_seconds);

  TableReader backup(Section(root, "backup"), "backup");
  service::BackupServiceOptions& b = config->backup;
  std::string target = b.target.string();
  std::int64_t retry_seconds = b.retry_after.count();
  ARCHIVED_RETURN_IF_ERROR(backup.Read("target", &target));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("schedule", &config->backup_schedule));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("zstd_level", &b.zstd_level));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("keep_last", &b.keep.last));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("keep_daily", &b.keep.daily));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("keep_weekly", &b.keep.weekly));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("keep_monthly", &b.keep.monthly));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("keep_yearly", &b.keep.yearly));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("vault_keep_last", &b.vault_keep.last));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("vault_keep_days", &b.vault_keep.max_age_days));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("retry_seconds", &retry_seconds));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("retries", &b.retries));
  ARCHIVED_RETURN_IF_ERROR(backup.Read("append_only", &b.append_only));
  ARCHIVED_RETURN_IF_ERROR(backup.CheckNoUnknownKeys());
  b.target = target;
  b.retry_after = std::chrono::seconds(retry_seconds);

  TableReader retention(Section(root, "retention"), "retention");
  retention::RetentionOptions& r = config->retention;
  std::int64_t max_clock_jump_days = r.max_clock_jump.count() / 24;
  ARCHIVED_RETURN_IF_ERROR(retention.Read("run_schedule", &config->disposition_schedule));
  ARCHIVED_RETURN_IF_ERROR(retention.Read("approvals_required", &r.approvals_required));
  ARCHIVED_RETURN_IF_ERROR(retention.Read("review_period_months", &r.review_period_months));
  ARCHIVED_RETURN_IF_ERROR(retention.Read("max_clock_jump_days", &max_clock_jump_days));
  ARCHIVED_RETURN_IF_ERROR(retention.Read("certificate_category", &r.certificate_category));
  std::string transfer_dir = r.transfer_dir.string();
  ARCHIVED_RETURN_IF_ERROR(retention.Read("transfer_dir", &transfer_dir));
  r.transfer_dir = transfer_dir;
  ARCHIVED_RETURN_IF_ERROR(retention.CheckNoUnknownKeys());
  if (max_clock_jump_days < 1 || max_clock_jump_days > 3650) {
    return InvalidArgumentError("retention.max_clock_jump_days must be from 1 to 3650");
  }
  r.max_clock_jump = std::chrono::hours(24 * max_clock_jump_days);

  TableReader reg(Section(root, "registers"), "registers");
  ARCHIVED_RETURN_IF_ERROR(reg.Read("default_page_size", &config->registers.default_page_size));
  ARCHIVED_RETURN_IF_ERROR(reg.Read("max_page_size", &config->registers.max_page_size));
  ARCHIVED_RETURN_IF_ERROR(reg.Read("max_field_bytes", &config->registers.max_field_bytes));
  ARCHIVED_RETURN_IF_ERROR(reg.Read("max_links", &config->registers.max_links));
  ARCHIVED_RETURN_IF_ERROR(reg.CheckNoUnknownKeys());

  TableReader audit(Section(root, "audit"), "audit");
  std::string checkpoint_file;
  std::int64_t every_seconds = config->checkpoint.every.count();
  ARCHIVED_RETURN_IF_ERROR(audit.Read("checkpoint_file", &checkpoint_file));
  ARCHIVED_RETURN_IF_ERROR(audit.Read("checkpoint_every_events", &config->checkpoint.every_events));
  ARCHIVED_RETURN_IF_ERROR(audit.Read("checkpoint_every_seconds", &every_seconds));
  ARCHIVED_RETURN_IF_ERROR(audit.CheckNoUnknownKeys());
  config->checkpoint.file = checkpoint_file;
  config->checkpoint.every = std::chrono::seconds(every_seconds);
  return ReadFilePlan(root, config);
}

}  // namespace

Status ParseListen(std::string_view text, DaemonConfig* config) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgumentError("listen: use HOST:PORT, e.g. 127.0.0.1:8750");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return InvalidArgumentError("listen: port must be a number from 0 to 65535");
  }
  config->listen_host = std::string(host);
  config->listen_port = static_cast<std::uint16_t>(port);
  return OkStatus();
}

StatusOr<DaemonConfig> LoadConfigFile(const std::filesystem::path& path, DaemonConfig defaults) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFoundError("config file \"" + path.string() + "\" does not exist");
  }
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return InvalidArgumentError("config file \"" + path.string() + "\" line " + std::to_string(where.line) +
                                ": " + std::string(e.description()));
  }
  ARCHIVED_RETURN_IF_ERROR(ReadTables(root, &defaults).Annotate("config file \"" + path.string() + "\""));
  return defaults;
}

std::filesystem::path CheckpointFile(const DaemonConfig& config) {
  if (!config.checkpoint.file.empty()) return config.checkpoint.file;
  std::filesystem::path dir = std::filesystem::absolute(config.data_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  return dir.string() + ".audit-checkpoint.json";
}

namespace {

// True if `path` is `dir` or lies inside it (lexically, after making both absolute).
bool IsWithin(const std::filesystem::path& dir, const std::filesystem::path& path) {
  const std::filesystem::path d = std::filesystem::absolute(dir).lexically_normal();
  const std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
  const auto [di, pi] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  (void)pi;
  // A trailing separator leaves an empty last component in `d`.
  return di == d.end() || (di->empty() && std::next(di) == d.end());
}

}  // namespace

Status ValidateConfig(const DaemonConfig& config) {
  ARCHIVED_RETURN_IF_ERROR(config.catalog.Validate());
  ARCHIVED_RETURN_IF_ERROR(config.retention.Validate().Annotate("retention"));
  ARCHIVED_RETURN_IF_ERROR(config.registers.Validate());
  if (!config.disposition_schedule.empty()) {
    ARCHIVED_RETURN_IF_ERROR(
        backup::CronSchedule::Parse(config.disposition_schedule).status().Annotate("retention.run_schedule"));
  }
  if (!config.backup_schedule.empty()) {
    ARCHIVED_RETURN_IF_ERROR(backup::CronSchedule::Parse(config.backup_schedule).status().Annotate("backup.schedule"));
  }
  if (config.backup.zstd_level < 1 || config.backup.zstd_level > 19) {
    return InvalidArgumentError("backup.zstd_level must be between 1 and 19");
  }
  if (!config.backup.target.empty()) {
    if (IsWithin(config.data_dir, config.backup.target)) {
      return InvalidArgumentError("backup.target must be outside the data directory (a backup there is lost with it)");
    }
  }
  if (config.rotation.batch_records == 0 || config.rotation.batch_records > 1000000) {
    return InvalidArgumentError("keys.rotation_batch_records must be between 1 and 1000000");
  }
  if (IsWithin(config.data_dir, CheckpointFile(config))) {
    return InvalidArgumentError("audit.checkpoint_file: must be outside the data directory (it witnesses it)");
  }
  if (config.checkpoint.every_events == 0 || config.checkpoint.every.count() <= 0) {
    return InvalidArgumentError("audit.checkpoint_every_events and audit.checkpoint_every_seconds: at least 1");
  }
  ARCHIVED_RETURN_IF_ERROR(config.auth.Validate());
  const bool loopback = config.listen_host == "127.0.0.1" || config.listen_host == "::1" ||
                        config.listen_host == "localhost" || config.listen_host.starts_with("127.");
  const bool tls = !config.http.tls_cert_file.empty() || !config.http.tls_key_file.empty();
  if (tls && (config.http.tls_cert_file.empty() || config.http.tls_key_file.empty())) {
    return InvalidArgumentError("TLS needs both server.tls_cert (--tls-cert) and server.tls_key (--tls-key)");
  }
  if (!loopback && !tls && !config.allow_plain_http_off_loopback) {
    return InvalidArgumentError("listen: plain HTTP is served on loopback only; give --tls-cert and --tls-key "
                                "(or set server.allow_plain_http_off_loopback = true to override)");
  }
  if (config.http.search_threads < 0 || config.http.search_threads > 256) {
    return InvalidArgumentError("server.search_threads must be between 0 (one per core) and 256");
  }
  if (config.http.blocking_threads < 1 || config.http.blocking_threads > 256) {
    return InvalidArgumentError("server.blocking_threads must be between 1 and 256");
  }
  if (config.indexer.batch_entries < 1 || config.indexer.index.max_limit < 1 ||
      config.indexer.extract.max_input_bytes < 1 || config.indexer.extract.max_text_bytes < 1) {
    return InvalidArgumentError("search: batch_entries, max_limit, max_input_bytes and max_text_bytes must be at least 1");
  }
  if (config.indexer.nice < 0 || config.indexer.nice > 19) {
    return InvalidArgumentError("search: indexer_nice must be from 0 to 19");
  }
  if (config.indexer.extract.max_time.count() < 1000) {
    return InvalidArgumentError("search.extract_timeout_seconds must be at least 1");
  }
  if (config.http.limits.idle_timeout.count() < 1) {
    return InvalidArgumentError("limits.idle_timeout_seconds must be at least 1");
  }
  return OkStatus();
}

}  // namespace archived::daemon
