// Keep policies: which backups `forget` keeps, like `restic forget`. Pure functions of the
// backups' times, the policy and now; tested against a table of cases. Thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "archived/base/clock.h"

namespace archived::backup {

struct KeepPolicy {
  int last = 0;     // the newest N
  int daily = 0;    // the newest backup of each of the newest N days that have one
  int weekly = 0;   // … of each ISO week (Monday to Sunday)
  int monthly = 0;  // … of each calendar month
  int yearly = 0;   // … of each year
  // When positive, nothing older than this many days is kept, whatever the rules above say
  // (the vault's default: the last 7, nothing older than 35 days). The newest backup is
  // always kept. Calendar periods are UTC.
  int max_age_days = 0;
  bool empty() const { return last == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0; }
};

struct Dated {
  std::uint64_t seq = 0;
  Timestamp time;
};

// The seqs of `backups` that `policy` keeps at `now`. A policy with no rule keeps
// everything (restic refuses such a forget; here it is the safe reading of "not configured").
std::set<std::uint64_t> Kept(std::vector<Dated> backups, const KeepPolicy& policy, Timestamp now);

}  // namespace archived::backup
