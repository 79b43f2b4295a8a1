#include "archived/backup/package.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "archived/backup/internal/tar.h"
#include "archived/base/status_macros.h"

namespace archived::backup {
namespace {

Status WriteAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return InternalError("cannot write \"" + path.string() + "\": " + std::strerror(errno));
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

}  // namespace

PackageWriter::PackageWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

StatusOr<std::unique_ptr<PackageWriter>> PackageWriter::Create(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return AlreadyExistsError("\"" + path.string() + "\" already exists");
    return InternalError("cannot create \"" + path.string() + "\": " + std::strerror(errno));
  }
  std::unique_ptr<PackageWriter> writer(new PackageWriter(path, fd));
  PackageWriter* const self = writer.get();
  ARCHIVED_ASSIGN_OR_RETURN(writer->tar_, internal::TarWriter::OpenSink([self](std::string_view bytes, bool) {
                              return WriteAll(self->fd_, bytes, self->path_);
                            }));
  return writer;
}

PackageWriter::~PackageWriter() {
  tar_.reset();
  if (fd_ >= 0) ::close(fd_);
  if (!closed_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

Status PackageWriter::Add(std::string_view path, std::string_view data) {
  bool given = false;
  return AddStream(path, data.size(), [&](char* buffer, std::size_t capacity) -> StatusOr<std::size_t> {
    if (given) return std::size_t{0};
    const std::size_t n = std::min(capacity, data.size());
    std::memcpy(buffer, data.data(), n);
    data.remove_prefix(n);
    if (data.empty()) given = true;
    return n;
  });
}

Status PackageWriter::AddStream(std::string_view path, std::uint64_t size,
                                const std::function<StatusOr<std::size_t>(char* buffer, std::size_t capacity)>& read) {
  return tar_->Add(path, size, /*compressible=*/false, read);
}

Status PackageWriter::Close() {
  ARCHIVED_RETURN_IF_ERROR(tar_->Close());
  if (::fsync(fd_) != 0) return InternalError("cannot sync \"" + path_.string() + "\": " + std::strerror(errno));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return InternalError("cannot close \"" + path_.string() + "\": " + std::strerror(errno));
  }
  fd_ = -1;
  closed_ = true;
  return OkStatus();
}

}  // namespace archived::backup
