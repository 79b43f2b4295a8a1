#include "archived/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "archived/base/status_macros.h"

namespace archived {
namespace {

Status SystemError(std::string_view operation, const std::filesystem::path& path) {
  const int err = errno;
  const std::string message = std::string(operation) + " \"" + path.string() + "\": " + std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? ResourceExhaustedError(message) : InternalError(message);
}

Status FsyncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return SystemError("open for fsync", path);
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? OkStatus() : SystemError("fsync", path);
}

}  // namespace

Status WriteSecretFile(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return SystemError("create", temp);
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return SystemError("write", temp);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    return SystemError("fsync", temp);
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return SystemError("rename into place", path);
  }
  return FsyncPath(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
}

StatusOr<NewFile> NewFile::Create(const std::filesystem::path& path, mode_t mode) {
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  if (::access(path.c_str(), F_OK) == 0) {
    return AlreadyExistsError("\"" + path.string() + "\" already exists");
  }
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
  if (fd >= 0) return NewFile(path, fd, /*named=*/false);
  if (errno != EOPNOTSUPP && errno != EISDIR) return SystemError("create a file in", dir);
  const int named = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (named < 0) {
    if (errno == EEXIST) return AlreadyExistsError("\"" + path.string() + "\" already exists");
    return SystemError("create", path);
  }
  return NewFile(path, named, /*named=*/true);
}

NewFile::NewFile(NewFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), named_(other.named_),
      published_(std::exchange(other.published_, true)) {}

NewFile::~NewFile() {
  if (fd_ >= 0) ::close(fd_);
  if (named_ && !published_) ::unlink(path_.c_str());  // best effort: refused in an append-only directory
}

Status NewFile::Publish() {
  if (published_ || fd_ < 0) return FailedPreconditionError("file already published");
  if (::fdatasync(fd_) != 0) return SystemError("sync", path_);
  if (!named_) {
    // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc link is open(2)'s way
    // for everyone else.
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) return AlreadyExistsError("\"" + path_.string() + "\" already exists");
      return SystemError("link into place", path_);
    }
  }
  published_ = true;
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return SystemError("close", path_);
  return FsyncPath(path_.parent_path().empty() ? "." : path_.parent_path(), O_RDONLY | O_DIRECTORY);
}

Status RemoveFileDurably(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return SystemError("remove", path);
  }
  return FsyncPath(path.parent_path().empty() ? "." : path.parent_path(), O_RDONLY | O_DIRECTORY);
}

Status RenameDurably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return SystemError("rename \"" + from.string() + "\" to", to);
  }
  return FsyncPath(to.parent_path().empty() ? "." : to.parent_path(), O_RDONLY | O_DIRECTORY);
}

StatusOr<std::optional<std::string>> ReadPrivateFile(const std::filesystem::path& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return SystemError("stat", path);
  }
  if ((info.st_mode & 077) != 0) {
    return PermissionDeniedError(std::string(what) + " \"" + path.string() +
                                 "\" is readable by group or others; chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    return SystemError("read", path);
  }
  return std::optional<std::string>(text.str());
}

Status EnsurePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return OkStatus();
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return InternalError("create data directory \"" + dir.string() + "\": " + ec.message());
  }
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  const std::filesystem::path parent = std::filesystem::absolute(dir).parent_path();
  return FsyncPath(parent, O_RDONLY | O_DIRECTORY);
}

}  // namespace archived
