// The admin token: created once, stored only as a hash, and checked on every request.
#include "archived/auth/authenticator.h"

#include <gtest/gtest.h>

#include "archived/storage/memory_store.h"
#include "tests/testing/status_matchers.h"

namespace archived::auth {
namespace {

TEST(AuthenticatorTest, AdminTokenIsCreatedOnceAndAuthenticates) {
  auto store = storage::NewMemoryStore();
  auto committer = *audit::Committer::Open({}, store.get(), SystemClock::Get());
  Authenticator auth(store.get(), committer.get());
  std::optional<std::string> token;
  const auto save = [&](std::string_view t) { token = std::string(t); return OkStatus(); };
  ASSERT_OK_AND_ASSIGN(const bool created, auth.EnsureAdminToken(save));
  ASSERT_TRUE(created && token.has_value());
  EXPECT_GE(token->size(), 64u);
  ASSERT_OK_AND_ASSIGN(const bool again, auth.EnsureAdminToken(save));
  EXPECT_FALSE(again);

  ASSERT_OK_AND_ASSIGN(const Principal p, auth.Authenticate("Bearer " + *token));
  EXPECT_EQ(p.name, "admin");
  // The token is never stored in the clear.
  auto it = store->NewIterator(storage::Keyspace::kAuth);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_EQ(std::string(it->key()).find(*token), std::string::npos);
    EXPECT_EQ(std::string(it->value()).find(*token), std::string::npos);
  }
}

TEST(AuthenticatorTest, NoTokenIsCommittedWhenSavingItFails) {
  auto store = storage::NewMemoryStore();
  auto committer = *audit::Committer::Open({}, store.get(), SystemClock::Get());
  Authenticator auth(store.get(), committer.get());
  EXPECT_FALSE(auth.EnsureAdminToken([](std::string_view) { return InternalError("disk full"); }).ok());
  bool saved = false;
  ASSERT_OK_AND_ASSIGN(const bool created, auth.EnsureAdminToken([&](std::string_view) { saved = true; return OkStatus(); }));
  EXPECT_TRUE(created && saved);
}

TEST(AuthenticatorTest, LoadFindsTokensCreatedBefore) {
  auto store = storage::NewMemoryStore();
  auto committer = *audit::Committer::Open({}, store.get(), SystemClock::Get());
  std::string token;
  {
    Authenticator first(store.get(), committer.get());
    ASSERT_OK(first.EnsureAdminToken([&](std::string_view t) { token = std::string(t); return OkStatus(); }));
  }
  Authenticator second(store.get(), committer.get());
  EXPECT_EQ(second.Authenticate("Bearer " + token).status().code(), StatusCode::kUnauthenticated);
  ASSERT_OK(second.Load());
  ASSERT_OK_AND_ASSIGN(const Principal p, second.Authenticate("Bearer " + token));
  EXPECT_EQ(p.name, "admin");
}

TEST(AuthenticatorTest, MissingMalformedAndWrongTokensAreUnauthenticated) {
  auto store = storage::NewMemoryStore();
  auto committer = *audit::Committer::Open({}, store.get(), SystemClock::Get());
  Authenticator auth(store.get(), committer.get());
  std::string token;
  ASSERT_OK(auth.EnsureAdminToken([&](std::string_view t) { token = std::string(t); return OkStatus(); }));
  for (const std::string& header : {std::string(), std::string("Basic abc"), std::string("Bearer "),
                                   "Bearer " + token + "x", "bearer " + token}) {
    const auto result = auth.Authenticate(header);
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated) << header;
    EXPECT_EQ(result.status().message().find(token), std::string::npos);
  }
}

}  // namespace
}  // namespace archived::auth
