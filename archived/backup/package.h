// Export packages (a transfer to another archive): a plain pax tar file written with the
// backup archives' tar layer (the only libarchive user). Member names are relative paths.
// The file is created 0600 (an existing one is never replaced) and synced by Close; a
// package not closed is removed. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "archived/base/status.h"

namespace archived::backup {

namespace internal {
class TarWriter;
}

class PackageWriter {
 public:
  // Errors: kAlreadyExists; kInternal for I/O.
  static StatusOr<std::unique_ptr<PackageWriter>> Create(const std::filesystem::path& path);
  ~PackageWriter();
  PackageWriter(const PackageWriter&) = delete;
  PackageWriter& operator=(const PackageWriter&) = delete;

  // Errors: kInvalidArgument for an unsafe path; kInternal for I/O.
  Status Add(std::string_view path, std::string_view data);
  // A member of `size` bytes that `read` supplies (0 at the end). Errors: as Add; the
  // source's; kDataLoss if it gives other than `size` bytes.
  Status AddStream(std::string_view path, std::uint64_t size,
                   const std::function<StatusOr<std::size_t>(char* buffer, std::size_t capacity)>& read);
  // Ends the tar and syncs the file. Errors: kInternal.
  Status Close();

 private:
  PackageWriter(std::filesystem::path path, int fd);
  const std::filesystem::path path_;
  int fd_ = -1;
  bool closed_ = false;
  std::unique_ptr<internal::TarWriter> tar_;
};

}  // namespace archived::backup
