// Runs an extractor in a child process (the `archived-extract` helper), so that a hostile or
// broken file that crashes, hangs or bloats a parser costs that child only: it is spawned with
// no inherited descriptors and an empty environment, limits itself (address space, CPU, no
// core dumps, no file writes) before reading the file, and is killed at the wall-clock
// limit. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "indexer/extract/extract.h"

namespace archived::extract {

// The helper's exit code for "could not extract; the reason is on stderr".
inline constexpr int kHelperFailed = 3;

// Feeds `content` to `helper TYPE MAX_TEXT_BYTES MAX_ZIP_ENTRIES MAX_INFLATED_BYTES MAX_CPU_SECONDS` and
// returns what it prints. Errors: the helper's reason (kInvalidArgument); kDeadlineExceeded
// past limits.max_time; kResourceExhausted when it runs out of its memory limit;
// kInternal when it crashes or cannot be started.
StatusOr<std::string> RunHelper(const std::string& helper, ContentType type, std::string_view content,
                                const ExtractLimits& limits);

// The helper's own main: reads stdin, extracts, writes the text or the reason. Returns the
// exit code.
int HelperMain(int argc, char** argv);

}  // namespace archived::extract
