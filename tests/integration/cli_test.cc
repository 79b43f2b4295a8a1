// archivectl against the real daemon: every subcommand, parallel and recursive puts, Chinese
// file names, --json output, and exit codes 1 (user error) and 2 (server or I/O error).
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

class CliTest : public DaemonTest {};

TEST_F(CliTest, PutGetVersionInfoVersionsLs) {
  const std::string content = RandomBytes(1500000, 11);
  const auto file = WriteFile("会议纪要.txt", content);
  const CommandResult put = Ctl({"put", file.string(), "--category", "BGS/WS", "--tags", "会议,纪要", "--json"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  const std::string id = JsonField(put.out, "id");
  const std::string ref = JsonField(put.out, "reference_code");
  EXPECT_EQ(JsonField(put.out, "title"), "会议纪要");
  EXPECT_EQ(JsonField(put.out, "filename"), "会议纪要.txt");

  const auto out = dir_.path() / "got.bin";
  const CommandResult get = Ctl({"get", ref, "-o", out.string()});  // by reference code
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(FileSha256(out), HexEncode(crypto::Sha256Of(content)));
  EXPECT_EQ(Ctl({"get", id, "-o", out.string()}).exit_code, 1) << "must not overwrite without --force";

  const auto v2 = WriteFile("v2.txt", "version two");
  const CommandResult version = Ctl({"version", id, v2.string()});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find("version 2"), std::string::npos) << version.out;
  EXPECT_EQ(Ctl({"get", id, "-o", "-"}).out, "version two");
  EXPECT_EQ(Ctl({"get", id, "--version", "1", "-o", "-"}).out, content);

  const CommandResult info = Ctl({"info", id});
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_NE(info.out.find(ref), std::string::npos);
  EXPECT_NE(info.out.find("会议, 纪要"), std::string::npos) << info.out;
  const CommandResult versions = Ctl({"versions", id, "--json"});
  EXPECT_NE(versions.out.find("\"version\":2"), std::string::npos) << versions.out;
  const CommandResult ls = Ctl({"ls"});
  EXPECT_NE(ls.out.find(ref), std::string::npos) << ls.out;
}

TEST_F(CliTest, RecursiveParallelPutFilesEveryFileOnce) {
  for (int i = 0; i < 30; ++i) {
    WriteFile("tree/sub" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".txt", "file " + std::to_string(i));
  }
  WriteFile("tree/empty.bin", "");
  const CommandResult put = Ctl({"put", "-r", (dir_.path() / "files" / "tree").string(), "--jobs", "8", "--category", "BGS/CB"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(std::count(put.out.begin(), put.out.end(), '\n'), 31);
  const CommandResult ls = Ctl({"ls", "--all", "--limit", "7", "--category", "BGS/CB"});
  EXPECT_EQ(std::count(ls.out.begin(), ls.out.end(), '\n'), 32) << ls.out;  // header + 31
  // Reference codes are gap-free: 0001 … 0031.
  for (int seq = 1; seq <= 31; ++seq) {
    char code[64];
    std::snprintf(code, sizeof(code), "Z001-2026-D10-BGS.CB-%04d", seq);
    EXPECT_NE(ls.out.find(code), std::string::npos) << code;
  }
}

TEST_F(CliTest, ErrorsNameTheCauseAndExitWithTheRightCode) {
  const CommandResult missing = Ctl({"put", (dir_.path() / "nope.txt").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.txt"), std::string::npos) << missing.err;
  const CommandResult dir = Ctl({"put", dir_.path().string()});
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_NE(dir.err.find("--recursive"), std::string::npos);
  const CommandResult unknown = Ctl({"info", "0123456789abcdef01234567"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("0123456789abcdef01234567"), std::string::npos);
  const auto f = WriteFile("x.txt", "x");
  const CommandResult bad_category = Ctl({"put", f.string(), "--category", "NOPE"});
  EXPECT_EQ(bad_category.exit_code, 1);
  EXPECT_NE(bad_category.err.find("file plan"), std::string::npos) << bad_category.err;
  EXPECT_EQ(Ctl({"frobnicate"}).exit_code, 1);
  const CommandResult bad_token = RunCommand({ArchivectlBinaryPath().string(), "ls"},
                                             {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", "arc_bad"}});
  EXPECT_EQ(bad_token.exit_code, 1);
  const CommandResult unreachable = RunCommand({ArchivectlBinaryPath().string(), "ls"},
                                               {{"ARCHIVED_URL", "http://127.0.0.1:1"}, {"ARCHIVED_TOKEN", "x"}});
  EXPECT_EQ(unreachable.exit_code, 2);
  EXPECT_NE(unreachable.err.find("127.0.0.1:1"), std::string::npos);
}

TEST_F(CliTest, UsersLogInWorkWithinTheirRolesAndLogOut) {
  const CommandResult added = CtlWithInput({"user", "add", "li.na", "--role", "clerk", "--clearance", "internal",
                                            "--department", "办公室", "--display-name", "李娜", "--password-stdin"},
                                           "correct horse battery\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("clerk"), std::string::npos) << added.out;
  EXPECT_NE(Ctl({"user", "list"}).out.find("li.na"), std::string::npos);
  EXPECT_EQ(Ctl({"user", "add", "x", "--role", "king"}).exit_code, 1);

  const CommandResult wrong = CtlSession({"login", "li.na"}, "not the password\n");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("wrong user name or password"), std::string::npos) << wrong.err;
  const CommandResult login = CtlSession({"login", "li.na"}, "correct horse battery\n");
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "session"));
  EXPECT_EQ(std::filesystem::status(dir_.path() / "session").permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
  const CommandResult who = CtlSession({"whoami"});
  EXPECT_NE(who.out.find("li.na"), std::string::npos) << who.out << who.err;
  // A clerk files and searches, but manages no users.
  const auto f = WriteFile("memo.txt", "会议纪要");
  EXPECT_EQ(CtlSession({"put", f.string(), "--category", "BGS"}).exit_code, 0);
  const CommandResult users = CtlSession({"user", "list"});
  EXPECT_EQ(users.exit_code, 1);
  EXPECT_NE(users.err.find("needs the role admin"), std::string::npos) << users.err;
  // A read-only token of one's own.
  const CommandResult minted = CtlSession({"token", "create", "--read-only", "--ttl", "600", "--description", "scan"});
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  const std::string reader = minted.out.substr(0, minted.out.find('\n'));
  const CommandResult refused = RunCommand({ArchivectlBinaryPath().string(), "put", f.string(), "--category", "BGS"},
                                           {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", reader}});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("read-only"), std::string::npos) << refused.err;
  EXPECT_NE(CtlSession({"token", "list"}).out.find("read-only"), std::string::npos);
  // Logging out revokes the session's token.
  ASSERT_EQ(CtlSession({"logout"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "session"));
  // The administrator disables the user: the read-only token stops too.
  ASSERT_EQ(Ctl({"user", "set", "li.na", "--disable"}).exit_code, 0);
  EXPECT_EQ(RunCommand({ArchivectlBinaryPath().string(), "whoami"},
                       {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", reader}}).exit_code,
            1);
}

}  // namespace
}  // namespace archived::testing
