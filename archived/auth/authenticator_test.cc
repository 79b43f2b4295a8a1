// Users, tokens and logins: the admin token of the first start, password logins and their
// limit, token expiry, revocation and scope, disabled users, and what is (not) stored.
#include "archived/auth/authenticator.h"

#include <gtest/gtest.h>

#include "archived/audit/chain.h"
#include "archived/storage/memory_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::auth {
namespace {

using namespace std::chrono_literals;

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() { Reopen(); }

  AuthOptions Options() {
    AuthOptions o;
    o.scrypt_log2_n = 10;  // fast tests; production uses 2^15
    o.strict_separation = strict_;
    return o;
  }
  void Reopen() {
    auth_ = std::make_unique<Authenticator>(Options(), store_.get(), committer_.get(), clock_);
    ASSERT_OK(auth_->Load());
  }
  std::string AdminToken() {
    std::string token;
    EXPECT_OK(auth_->EnsureAdminToken([&](std::string_view t) { token = std::string(t); return OkStatus(); }));
    return token;
  }
  v1::UserView AddUser(const std::string& name, std::vector<v1::Role> roles, const std::string& password = "") {
    v1::UserChange change;
    change.set_name(name);
    for (const v1::Role r : roles) change.add_roles(r);
    change.set_password(password);
    auto user = auth_->CreateUser(change, admin_);
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return user.ok() ? *user : v1::UserView();
  }
  StatusOr<v1::NewToken> Login(const std::string& user, const std::string& password,
                               const std::string& address = "10.0.0.1") {
    v1::LoginRequest request;
    request.set_user(user);
    request.set_password(password);
    return auth_->Login(request, {.name = user, .remote_address = address});
  }
  // The audit events with this action, oldest first.
  std::vector<v1::AuditEvent> Events(std::string_view action) {
    std::vector<v1::AuditEvent> out;
    auto all = audit::ReadEvents(*store_, 1, 100000);
    EXPECT_TRUE(all.ok());
    if (!all.ok()) return out;
    for (v1::AuditEvent& e : *all) {
      if (e.action() == action) out.push_back(std::move(e));
    }
    return out;
  }

  FakeClock clock_{FromUnixMicros(1'790'000'000'000'000)};
  std::unique_ptr<storage::Store> store_ = storage::NewMemoryStore();
  std::unique_ptr<audit::Committer> committer_ = *audit::Committer::Open({}, store_.get(), clock_);
  std::unique_ptr<Authenticator> auth_;
  bool strict_ = false;
  const audit::Actor admin_{.name = "admin", .role = "admin"};
};

TEST_F(AuthenticatorTest, AdminTokenIsCreatedOnceAndAuthenticatesWithEveryRole) {
  const std::string token = AdminToken();
  EXPECT_GE(token.size(), 64u);
  bool saved_again = false;
  ASSERT_OK_AND_ASSIGN(const bool again, auth_->EnsureAdminToken([&](std::string_view) {
    saved_again = true;
    return OkStatus();
  }));
  EXPECT_FALSE(again || saved_again);
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + token));
  EXPECT_EQ(p.name, "admin");
  EXPECT_EQ(p.roles.size(), 4u);  // a small office's default; strict separation: admin only
  // The token is never stored in the clear.
  auto it = store_->NewIterator(storage::Keyspace::kAuth);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_EQ(std::string(it->value()).find(token), std::string::npos);
    EXPECT_EQ(std::string(it->key()).find(token), std::string::npos);
  }
}

TEST_F(AuthenticatorTest, StrictSeparationGivesTheFirstUserTheAdminRoleOnlyAndRefusesCombinations) {
  strict_ = true;
  Reopen();
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + AdminToken()));
  EXPECT_EQ(p.roles, std::vector<v1::Role>{v1::ROLE_ADMIN});
  v1::UserChange change;
  change.set_name("wang");
  change.add_roles(v1::ROLE_AUDITOR);
  change.add_roles(v1::ROLE_CLERK);
  EXPECT_EQ(auth_->CreateUser(change, admin_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, NoTokenIsCommittedWhenSavingItFails) {
  EXPECT_FALSE(auth_->EnsureAdminToken([](std::string_view) { return InternalError("disk full"); }).ok());
  EXPECT_FALSE(AdminToken().empty());
}

TEST_F(AuthenticatorTest, LoadFindsUsersAndTokensCreatedBefore) {
  const std::string token = AdminToken();
  AddUser("li.na", {v1::ROLE_CLERK}, "correct horse battery");
  Reopen();
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + token));
  EXPECT_EQ(p.name, "admin");
  ASSERT_OK(Login("li.na", "correct horse battery").status());
}

TEST_F(AuthenticatorTest, MissingMalformedAndWrongTokensAreUnauthenticated) {
  const std::string token = AdminToken();
  for (const std::string& header : {std::string(), std::string("Basic abc"), std::string("Bearer "),
                                    "Bearer " + token + "x", "bearer " + token}) {
    const auto result = auth_->Authenticate(header);
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated) << header;
    EXPECT_EQ(result.status().message().find(token), std::string::npos);
  }
}

TEST_F(AuthenticatorTest, PasswordsAreScryptHashedWithTheirParameters) {
  AddUser("li.na", {v1::ROLE_CLERK}, "correct horse battery");
  ASSERT_OK_AND_ASSIGN(const std::string bytes, store_->Get(storage::Keyspace::kAuth, "user/li.na"));
  v1::User stored;
  ASSERT_TRUE(stored.ParseFromString(bytes));
  EXPECT_EQ(stored.password().algorithm(), "scrypt");
  EXPECT_EQ(stored.password().n(), 1024u);
  EXPECT_EQ(stored.password().salt().size(), 16u);
  EXPECT_EQ(bytes.find("correct horse"), std::string::npos);
  // Too short a password is refused.
  v1::UserChange change;
  change.set_name("zhao");
  change.add_roles(v1::ROLE_CLERK);
  change.set_password("short");
  EXPECT_EQ(auth_->CreateUser(change, admin_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AuthenticatorTest, LoginGivesAnExpiringTokenWithTheUsersRoles) {
  AddUser("li.na", {v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER}, "correct horse battery");
  ASSERT_OK_AND_ASSIGN(const v1::NewToken token, Login("li.na", "correct horse battery"));
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + token.token()));
  EXPECT_EQ(p.name, "li.na");
  EXPECT_EQ(p.roles, (std::vector<v1::Role>{v1::ROLE_CLERK, v1::ROLE_RECORDS_OFFICER}));
  EXPECT_EQ(p.token_id, token.record().id());
  clock_.Advance(12h - 1s);
  EXPECT_OK(auth_->Authenticate("Bearer " + token.token()).status());
  clock_.Advance(1s);
  const auto expired = auth_->Authenticate("Bearer " + token.token());
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
  ASSERT_EQ(Events("auth.login").size(), 1u);
  EXPECT_EQ(Events("auth.login")[0].remote_address(), "10.0.0.1");
}

TEST_F(AuthenticatorTest, WrongPasswordsAreLimitedPerUserAndPerAddressAndAudited) {
  AddUser("li.na", {v1::ROLE_CLERK}, "correct horse battery");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Login("li.na", "wrong password " + std::to_string(i)).status().code(), StatusCode::kUnauthenticated);
  }
  // Even the right password waits until the window has passed.
  EXPECT_EQ(Login("li.na", "correct horse battery", "10.0.0.2").status().code(), StatusCode::kResourceExhausted);
  // Unknown users fail exactly like wrong passwords, and count against the address.
  EXPECT_EQ(Login("nobody", "whatever at all", "10.0.0.1").status().code(), StatusCode::kResourceExhausted);
  clock_.Advance(15min + 1s);
  EXPECT_OK(Login("li.na", "correct horse battery").status());
  const auto failed = Events("auth.login");
  ASSERT_GE(failed.size(), 7u);
  EXPECT_EQ(failed[0].outcome(), "failed");
  EXPECT_EQ(failed[5].outcome(), "denied");
  EXPECT_EQ(failed.back().outcome(), "");
  EXPECT_EQ(failed[0].detail().find("wrong password"), std::string::npos);  // never the password
}

TEST_F(AuthenticatorTest, UnknownUsersAndUsersWithoutPasswordsCannotLogIn) {
  AddUser("svc", {v1::ROLE_CLERK});  // tokens only
  EXPECT_EQ(Login("svc", "").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Login("nobody", "correct horse battery").status().message(), "wrong user name or password");
}

TEST_F(AuthenticatorTest, RevokedTokensAndDisabledUsersAreRefused) {
  AddUser("li.na", {v1::ROLE_CLERK}, "correct horse battery");
  ASSERT_OK_AND_ASSIGN(const v1::NewToken a, Login("li.na", "correct horse battery"));
  ASSERT_OK_AND_ASSIGN(const v1::NewToken b, Login("li.na", "correct horse battery"));
  ASSERT_OK(auth_->RevokeToken(a.record().id(), admin_).status());
  EXPECT_EQ(auth_->RevokeToken(a.record().id(), admin_).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(auth_->Authenticate("Bearer " + a.token()).status().code(), StatusCode::kUnauthenticated);
  EXPECT_OK(auth_->Authenticate("Bearer " + b.token()).status());
  v1::UserChange off;
  off.set_disabled(true);
  ASSERT_OK(auth_->UpdateUser("li.na", off, {"disabled"}, admin_).status());
  EXPECT_EQ(auth_->Authenticate("Bearer " + b.token()).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Login("li.na", "correct horse battery").status().code(), StatusCode::kUnauthenticated);
  // Both survive a restart.
  Reopen();
  EXPECT_EQ(auth_->Authenticate("Bearer " + a.token()).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate("Bearer " + b.token()).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthenticatorTest, RoleChangesApplyToExistingTokensAtOnce) {
  AddUser("li.na", {v1::ROLE_CLERK}, "correct horse battery");
  ASSERT_OK_AND_ASSIGN(const v1::NewToken t, Login("li.na", "correct horse battery"));
  v1::UserChange change;
  change.add_roles(v1::ROLE_AUDITOR);
  ASSERT_OK(auth_->UpdateUser("li.na", change, {"roles"}, admin_).status());
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + t.token()));
  EXPECT_EQ(p.roles, std::vector<v1::Role>{v1::ROLE_AUDITOR});
  EXPECT_EQ(auth_->UpdateUser("li.na", change, {"name"}, admin_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(auth_->UpdateUser("nobody", change, {"roles"}, admin_).status().code(), StatusCode::kNotFound);
}

TEST_F(AuthenticatorTest, MintedTokensHaveScopeAndExpiryAndNeverWidenTheirMinter) {
  AddUser("li.na", {v1::ROLE_CLERK});
  const Principal caller{.name = "li.na", .roles = {v1::ROLE_CLERK}, .scope = v1::READ_ONLY};
  v1::CreateTokenRequest request;
  request.set_ttl_seconds(3600);
  request.set_scope(v1::FULL);
  request.set_description("scanner");
  ASSERT_OK_AND_ASSIGN(const v1::NewToken t, auth_->CreateToken(caller, request, {.name = "li.na"}));
  EXPECT_EQ(t.record().scope(), v1::READ_ONLY);
  ASSERT_OK_AND_ASSIGN(const Principal p, auth_->Authenticate("Bearer " + t.token()));
  EXPECT_EQ(p.scope, v1::READ_ONLY);
  request.set_ttl_seconds(400 * 86400);
  EXPECT_EQ(auth_->CreateToken(caller, request, {.name = "li.na"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(auth_->ListTokens("li.na").size(), 1u);
  EXPECT_EQ(auth_->GetToken(t.record().id())->description(), "scanner");
  EXPECT_EQ(auth_->GetToken("0000000000000000").status().code(), StatusCode::kNotFound);
}

TEST_F(AuthenticatorTest, BadUserFieldsAreNamed) {
  v1::UserChange change;
  change.set_name("Bad Name");
  change.add_roles(v1::ROLE_CLERK);
  EXPECT_NE(auth_->CreateUser(change, admin_).status().message().find("name"), std::string::npos);
  change.set_name("ok");
  change.clear_roles();
  EXPECT_NE(auth_->CreateUser(change, admin_).status().message().find("roles"), std::string::npos);
  change.add_roles(v1::ROLE_CLERK);
  ASSERT_OK(auth_->CreateUser(change, admin_).status());
  EXPECT_EQ(auth_->CreateUser(change, admin_).status().code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace archived::auth
