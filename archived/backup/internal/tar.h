// The tar layer of backup archives, the only libarchive user in archived/: pax tar written
// into, and read from, a sealed file. Reading accepts only what the writer makes: regular
// files named "NAME" (one path component of [A-Za-z0-9._-], not "." or ".."), each listed
// in an expected set with its size; anything else (other formats, filters, links, devices,
// directories, paths with "/" or "..", unknown or repeated names, other sizes) is refused
// before its data is read. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "archived/backup/sealed_file.h"
#include "archived/base/status.h"

struct archive;

namespace archived::backup::internal {

// True for a member name the tar layer accepts.
bool IsSafeMemberName(std::string_view name);
// True for a relative path of one or more '/'-joined components, none empty, "." or "..",
// none with control characters or '\\' (export packages: any UTF-8 name otherwise).
bool IsSafeMemberPath(std::string_view path);

// Where a tar stream goes: its bytes, and whether they are worth compressing.
using TarSink = std::function<Status(std::string_view bytes, bool compressible)>;

class TarWriter {
 public:
  // Writes the tar stream into `out`, which must outlive the writer and is finished by the
  // caller after Close. Errors: kInternal.
  static StatusOr<std::unique_ptr<TarWriter>> Open(SealedFileWriter* out);
  // Writes into `sink`; member names may be paths (IsSafeMemberPath).
  static StatusOr<std::unique_ptr<TarWriter>> OpenSink(TarSink sink);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // One member of `size` bytes whose data `read` supplies: called with a buffer until it
  // returns 0 (the end); its bytes are also passed to `observe`. `compressible` as
  // SealedFileWriter::Append. Errors: the source's, the sink's, or kInternal; kDataLoss if the
  // source gives other than `size` bytes.
  Status Add(std::string_view name, std::uint64_t size, bool compressible,
             const std::function<StatusOr<std::size_t>(char* buffer, std::size_t capacity)>& read);
  // Writes the end of the archive. Errors: as Add.
  Status Close();

 private:
  TarWriter(TarSink sink, bool paths) : sink_(std::move(sink)), paths_(paths) {}
  static StatusOr<std::unique_ptr<TarWriter>> Start(std::unique_ptr<TarWriter> writer);
  static long Write(struct archive* a, void* self, const void* buffer, std::size_t bytes);
  Status Failed(std::string_view what);

  const TarSink sink_;
  const bool paths_;
  struct archive* archive_ = nullptr;
  bool compressible_ = true;
  Status sink_error_;
};

// Reads every member of a tar stream in a sealed file, handing each member's data to the
// consumer. `expected` maps each name that may appear to its size; every one must appear,
// exactly once.
class TarReader {
 public:
  // Called at a member's start and (data empty, `end` true) at its end.
  struct Callbacks {
    std::function<Status(std::string_view name, std::uint64_t size)> begin;
    std::function<Status(std::string_view data)> data;
    std::function<Status()> end;
  };
  // Errors: kDataLoss naming the first problem (the sealed file's, or a refused entry);
  // the callbacks' own errors.
  static Status ReadAll(SealedFileReader* in, const std::map<std::string, std::uint64_t>& expected,
                        const Callbacks& callbacks);
};

}  // namespace archived::backup::internal
