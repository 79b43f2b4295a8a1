// Config loading: defaults, every section, strictness about unknown keys and types, listen
// parsing, and the loopback rule for plain HTTP.
#include "archived/daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace archived::daemon {
namespace {

std::filesystem::path Write(const testing::TempDir& dir, const std::string& text) {
  const auto path = dir.path() / "archived.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, ReadsEverySection) {
  testing::TempDir dir;
  const auto path = Write(dir, R"(
[server]
listen = "127.0.0.1:0"
blocking_threads = 4
[storage]
data_dir = "/var/lib/archived"
[archive]
fonds = "X123"
default_category = "BGS/WS"
chunk_bytes = 65536
[limits]
max_upload_bytes = 1048576
idle_timeout_seconds = 5
[registers]
max_page_size = 200
max_field_bytes = 4000
[search]
indexer_nice = 5
indexer_idle_class = false
[[file_plan]]
code = "BGS"
name = "办公室"
retention = "永久"
[[file_plan]]
code = "BGS/WS"
name = "文书"
retention = "D10"
)");
  ASSERT_OK_AND_ASSIGN(const DaemonConfig c, LoadConfigFile(path, {}));
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_EQ(c.http.blocking_threads, 4);
  EXPECT_EQ(c.data_dir, "/var/lib/archived");
  EXPECT_EQ(c.catalog.fonds, "X123");
  EXPECT_EQ(c.catalog.content.chunk_bytes, 65536u);
  EXPECT_EQ(c.http.limits.max_upload_bytes, 1048576u);
  EXPECT_EQ(c.http.limits.idle_timeout, std::chrono::seconds(5));
  ASSERT_EQ(c.catalog.initial_file_plan.size(), 2u);
  EXPECT_EQ(c.catalog.initial_file_plan[0].retention_class(), v1::RETENTION_CLASS_PERMANENT);
  EXPECT_EQ(c.registers.max_page_size, 200u);
  EXPECT_EQ(c.registers.max_field_bytes, 4000u);
  EXPECT_EQ(c.registers.default_page_size, 50u);
  EXPECT_EQ(c.indexer.nice, 5);
  EXPECT_FALSE(c.indexer.idle_class);
  EXPECT_OK(ValidateConfig(c));
  DaemonConfig bad = c;
  bad.registers.default_page_size = 500;  // more than the maximum
  EXPECT_FALSE(ValidateConfig(bad).ok());
  bad = c;
  bad.indexer.nice = 20;  // beyond Linux's niceness
  EXPECT_EQ(ValidateConfig(bad).code(), StatusCode::kInvalidArgument);
}

TEST(ConfigTest, RejectsUnknownKeysWrongTypesAndSyntaxErrors) {
  testing::TempDir dir;
  EXPECT_NE(LoadConfigFile(Write(dir, "[server]\nlisten_on = \"x\"\n"), {}).status().message().find("server.listen_on"),
            std::string::npos);
  EXPECT_FALSE(LoadConfigFile(Write(dir, "[archive]\nchunk_bytes = \"big\"\n"), {}).ok());
  EXPECT_FALSE(LoadConfigFile(Write(dir, "[nope]\n"), {}).ok());
  const auto bad = LoadConfigFile(Write(dir, "[server\n"), {});
  EXPECT_NE(bad.status().message().find("line 1"), std::string::npos) << bad.status().message();
  EXPECT_EQ(LoadConfigFile(dir.path() / "missing.toml", {}).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(LoadConfigFile(Write(dir, "[[file_plan]]\ncode = \"BGS\"\nretention = \"D7\"\n"), {}).ok());
}

TEST(ConfigTest, AuthAndAuditSections) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(DaemonConfig c, LoadConfigFile(Write(dir, R"(
[auth]
strict_separation = true
default_token_ttl_seconds = 600
scrypt_log2_n = 14
max_failed_logins = 3
[audit]
checkpoint_file = "/srv/witness/audit.json"
checkpoint_every_events = 50
checkpoint_every_seconds = 60
)"), {}));
  EXPECT_TRUE(c.auth.strict_separation);
  EXPECT_EQ(c.auth.default_token_ttl_seconds, 600u);
  EXPECT_EQ(c.auth.scrypt_log2_n, 14u);
  EXPECT_EQ(c.checkpoint.every_events, 50u);
  EXPECT_EQ(CheckpointFile(c), "/srv/witness/audit.json");
  EXPECT_OK(ValidateConfig(c));
  // Beside the data directory by default; never inside it.
  c.checkpoint.file.clear();
  c.data_dir = "/srv/archive-data/";
  EXPECT_EQ(CheckpointFile(c), "/srv/archive-data.audit-checkpoint.json");
  c.checkpoint.file = "/srv/archive-data/audit.json";
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);
  c.checkpoint.file.clear();
  c.auth.scrypt_log2_n = 40;
  EXPECT_EQ(ValidateConfig(c).code(), StatusCode::kInvalidArgument);
}

TEST(ConfigTest, ListenAndLoopbackRule) {
  DaemonConfig c;
  ASSERT_OK(ParseListen("0.0.0.0:8080", &c));
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_FALSE(ValidateConfig(c).ok());
  c.allow_plain_http_off_loopback = true;
  EXPECT_OK(ValidateConfig(c));
  EXPECT_FALSE(ParseListen("8080", &c).ok());
  EXPECT_FALSE(ParseListen("host:99999", &c).ok());
  ASSERT_OK(ParseListen("[::1]:0", &c));
  EXPECT_EQ(c.listen_host, "::1");
}

}  // namespace
}  // namespace archived::daemon
