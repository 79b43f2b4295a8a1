#include "archived/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "archived/base/status_macros.h"

namespace archived {
namespace {

Status SystemError(std::string_view operation, const std::filesystem::path& path) {
  return InternalError(std::string(operation) + " \"" + path.string() + "\": " + std::strerror(errno));
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
