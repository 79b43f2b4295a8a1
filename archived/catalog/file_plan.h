// The file plan's pure parts: category code syntax, retention codes, reference codes, and the
// default plan seeded into a new archive. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/status.h"
#include "archived/v1/catalog.pb.h"

namespace archived::catalog {

// Upper-case letters and digits, 1–16 per segment, up to 4 segments joined by '/': "BGS/HR".
// Errors: kInvalidArgument naming the rule broken.
Status ValidateCategoryCode(std::string_view code);
// Fonds (全宗号): 1–16 upper-case letters or digits. Errors: kInvalidArgument.
Status ValidateFonds(std::string_view fonds);

// "Y", "D30" or "D10"; empty for RETENTION_CLASS_UNSPECIFIED.
std::string_view RetentionCode(v1::RetentionClass retention_class);
// Parses "Y", "D30", "D10" (or "永久", "定期30年", "定期10年"). Errors: kInvalidArgument.
StatusOr<v1::RetentionClass> ParseRetentionClass(std::string_view text);

// "Z001-2026-D10-BGS.HR-0042": fonds, year, retention code, the category with '/' as '.',
// and the sequence, at least four digits.
std::string FormatReferenceCode(std::string_view fonds, int year, v1::RetentionClass retention,
                                std::string_view category, std::uint64_t seq);

// PUBLIC … SECRET. Errors: kInvalidArgument.
Status ValidateClassification(v1::Classification classification);
// UNSPECIFIED (documents filed before classifications existed) reads as INTERNAL.
v1::Classification EffectiveClassification(v1::Classification classification);
// An entry of a category's readers or filers: "user:NAME" or "dept:NAME" (1–64 bytes of text
// after the colon). Errors: kInvalidArgument.
Status ValidateAccessEntry(std::string_view entry);

// The plan a new archive starts with: an office's general classes (办公室 BGS and its
// personnel, assets, projects, correspondence and matters subclasses).
std::vector<v1::Category> DefaultFilePlan();

}  // namespace archived::catalog
