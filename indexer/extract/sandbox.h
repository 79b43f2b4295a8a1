// Runs the parser-backed extractors in helper processes (`archived-extract --serve`), so
// that a hostile or broken file that crashes, hangs or bloats a parser costs a helper only:
// each helper is spawned with no inherited descriptors and an empty environment, limits its
// own address space (2 GiB), core dumps and file writes before reading anything, and is
// killed when a file takes longer than the wall-clock limit. Helpers are kept and reused (a
// fresh process per file spent ~10% of an index rebuild loading poppler) and retired after
// kHelperFilesPerProcess files. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "indexer/extract/extract.h"

namespace archived::extract {

// Files one helper process extracts before it is replaced.
inline constexpr std::size_t kHelperFilesPerProcess = 200;

// Extracts `content` as `type` in a helper started from `helper`, and returns its text.
// Errors: the helper's reason (kInvalidArgument; kResourceExhausted when it runs out of
// memory); kDeadlineExceeded past limits.max_time; kInternal when the helper crashes or
// cannot be started.
StatusOr<std::string> RunHelper(const std::string& helper, ContentType type, std::string_view content,
                                const ExtractLimits& limits);

// The helper's own main (`archived-extract --serve`): answers requests on stdin until it
// closes. Returns the exit code.
int HelperMain(int argc, char** argv);

}  // namespace archived::extract
