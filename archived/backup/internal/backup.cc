#include "archived/backup/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "archived/audit/chain.h"
#include "archived/backup/internal/tar.h"
#include "archived/backup/sealed_file.h"
#include "archived/base/bytes.h"
#include "archived/base/files.h"
#include "archived/base/status_macros.h"
#include "archived/storage/rocks_store.h"
#include "archived/v1/proto_time.h"

namespace archived::backup {
namespace {

using internal::IsSafeMemberName;
namespace fs = std::filesystem;

constexpr std::uint32_t kManifestFormat = 1;
constexpr std::size_t kMaxManifestBytes = 64 << 20;
constexpr std::size_t kReadBytes = 1 << 20;

std::string ArchiveName(std::string_view id) { return std::string(id) + ".archive"; }
std::string ManifestName(std::string_view id) { return std::string(id) + ".manifest"; }

Status SystemError(std::string_view what, const fs::path& path) {
  const int err = errno;
  const std::string message = std::string(what) + " \"" + path.string() + "\": " + std::strerror(err);
  return err == ENOSPC || err == EDQUOT ? ResourceExhaustedError(message) : InternalError(message);
}

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

bool IsImmutableTableFile(std::string_view name) { return name.ends_with(".sst") || name.ends_with(".blob"); }

Status SyncDirectory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) return SystemError("cannot sync directory", dir);
  return OkStatus();
}

// Checks what the tar layer and restore rely on; a manifest is authenticated, so a failure
// here is a bug or a key in the wrong hands, and is refused all the same.
Status ValidateManifest(const v1::BackupManifest& m, std::string_view kind, std::uint64_t seq) {
  const std::string id = BackupId(kind, seq);
  if (m.format() != kManifestFormat) {
    return FailedPreconditionError("manifest " + id + " has format " + std::to_string(m.format()) +
                                   "; this build reads format " + std::to_string(kManifestFormat));
  }
  if (m.kind() != kind || m.seq() != seq) {
    return DataLossError("manifest " + id + " describes " + BackupId(m.kind(), m.seq()) + " (relabelled)");
  }
  std::set<std::uint64_t> needs(m.needs().begin(), m.needs().end());
  for (const std::uint64_t n : needs) {
    if (n == 0 || n >= seq) return DataLossError("manifest " + id + " needs a backup that is not earlier");
  }
  std::set<std::string, std::less<>> names;
  for (const v1::BackupMember& member : m.members()) {
    if (!IsSafeMemberName(member.name()) || !names.insert(member.name()).second) {
      return DataLossError("manifest " + id + " lists a bad or repeated member name");
    }
    if (member.sha256().size() != crypto::kSha256Bytes) return DataLossError("manifest " + id + " lacks a digest");
    if (member.stored_in() != seq && !needs.contains(member.stored_in())) {
      return DataLossError("manifest " + id + " places a member in a backup it does not name");
    }
  }
  return OkStatus();
}

StatusOr<v1::BackupManifest> LoadManifest(const fs::path& target, const crypto::Keyring& keyring, std::string_view kind,
                                          std::uint64_t seq) {
  const std::string id = BackupId(kind, seq);
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<SealedFileReader> reader,
                            SealedFileReader::Open(target / ManifestName(id), ManifestName(id), keyring));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string bytes, reader->ReadAll(kMaxManifestBytes));
  v1::BackupManifest manifest;
  if (!manifest.ParseFromString(bytes)) return DataLossError("manifest " + id + " does not parse");
  ARCHIVED_RETURN_IF_ERROR(ValidateManifest(manifest, kind, seq));
  return manifest;
}

// Reads the archive of backup `owner` (whose manifest is given) from end to end, checking
// every member against the owner's manifest; `sink`, when set, gets the members named in
// `wanted` (begin, data, end), the others are only checked.
struct Sink {
  std::function<Status(std::string_view name)> begin;
  std::function<Status(std::string_view data)> data;
  std::function<Status()> end;
};
StatusOr<std::uint64_t> ReadArchive(const fs::path& target, const crypto::Keyring& keyring,
                                    const v1::BackupManifest& owner, const std::set<std::string, std::less<>>* wanted,
                                    const Sink* sink) {
  const std::string id = BackupId(owner.kind(), owner.seq());
  std::map<std::string, std::uint64_t> expected;
  std::map<std::string, std::string, std::less<>> digests;
  for (const v1::BackupMember& member : owner.members()) {
    if (member.stored_in() != owner.seq()) continue;
    expected[member.name()] = member.size();
    digests[member.name()] = member.sha256();
  }
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<SealedFileReader> reader,
                            SealedFileReader::Open(target / ArchiveName(id), ArchiveName(id), keyring));
  if (reader->file_bytes() != owner.archive_bytes() || reader->salt() != owner.archive_salt()) {
    return DataLossError("archive " + id + " is not the one its manifest lists (size " +
                         std::to_string(reader->file_bytes()) + ", manifest " + std::to_string(owner.archive_bytes()) +
                         ", or another salt): replaced or truncated");
  }
  std::string current;
  bool to_sink = false;
  std::optional<crypto::Sha256> hash;
  const Status read = internal::TarReader::ReadAll(
      reader.get(), expected,
      {.begin =
           [&](std::string_view name, std::uint64_t) {
             current = name;
             hash.emplace();
             to_sink = sink != nullptr && wanted != nullptr && wanted->contains(name);
             return to_sink ? sink->begin(name) : OkStatus();
           },
       .data =
           [&](std::string_view data) {
             hash->Update(data);
             return to_sink ? sink->data(data) : OkStatus();
           },
       .end =
           [&]() -> Status {
             const std::string digest = hash->Finish();
             hash.reset();
             if (!crypto::ConstantTimeEquals(digest, digests.find(current)->second)) {
               return DataLossError("member \"" + current + "\" of " + id + " does not match its SHA-256");
             }
             return to_sink ? sink->end() : OkStatus();
           }});
  ARCHIVED_RETURN_IF_ERROR(read.Annotate("backup " + id));
  return reader->file_bytes();
}

// The manifests a backup's members live in: its own and every one it needs, by seq.
StatusOr<std::map<std::uint64_t, v1::BackupManifest>> LoadChain(const fs::path& target, const crypto::Keyring& keyring,
                                                                const v1::BackupManifest& manifest) {
  std::map<std::uint64_t, v1::BackupManifest> chain;
  chain[manifest.seq()] = manifest;
  for (const std::uint64_t seq : manifest.needs()) {
    if (chain.contains(seq)) continue;
    StatusOr<v1::BackupManifest> earlier = LoadManifest(target, keyring, manifest.kind(), seq);
    if (!earlier.ok()) {
      return earlier.status().Annotate(BackupId(manifest.kind(), manifest.seq()) + " needs " +
                                       BackupId(manifest.kind(), seq));
    }
    chain[seq] = std::move(*earlier);
  }
  // Every member must be where the manifest says, with the same size and digest.
  for (const v1::BackupMember& member : manifest.members()) {
    const v1::BackupManifest& owner = chain.at(member.stored_in());
    const auto it = std::find_if(owner.members().begin(), owner.members().end(), [&](const v1::BackupMember& m) {
      return m.name() == member.name() && m.stored_in() == owner.seq();
    });
    if (it == owner.members().end() || it->size() != member.size() || it->sha256() != member.sha256()) {
      return DataLossError(BackupId(manifest.kind(), manifest.seq()) + " lists \"" + member.name() + "\" in " +
                           BackupId(owner.kind(), owner.seq()) + ", which does not hold it");
    }
  }
  return chain;
}

// Reads every archive of the chain; members of `manifest` go to the sink, if any.
StatusOr<VerifyResult> ReadChain(const fs::path& target, const crypto::Keyring& keyring,
                                 const v1::BackupManifest& manifest, const Sink* sink) {
  ARCHIVED_ASSIGN_OR_RETURN(const auto chain, LoadChain(target, keyring, manifest));
  VerifyResult result;
  for (const auto& [seq, owner] : chain) {
    std::set<std::string, std::less<>> wanted;
    for (const v1::BackupMember& member : manifest.members()) {
      if (member.stored_in() == seq) wanted.insert(member.name());
    }
    ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t bytes, ReadArchive(target, keyring, owner, &wanted, sink));
    result.bytes_read += bytes;
    result.members += wanted.size();
  }
  return result;
}

// Writes one store checkpoint's files into backup `seq` of `kind`, reusing the previous
// backup's table files when they are the same store's.
StatusOr<v1::BackupManifest> PackCheckpoint(const BackupOptions& options, const crypto::Keyring& keyring,
                                            std::string_view kind, std::uint64_t seq, const fs::path& dir,
                                            const v1::BackupManifest* previous) {
  const std::string id = BackupId(kind, seq);
  std::vector<std::pair<std::string, std::uint64_t>> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !IsSafeMemberName(name)) {
      return InternalError("unexpected file \"" + entry.path().string() + "\" in a store checkpoint");
    }
    files.emplace_back(name, entry.file_size());
  }
  std::sort(files.begin(), files.end());
  v1::BackupManifest manifest;
  manifest.set_format(kManifestFormat);
  manifest.set_kind(std::string(kind));
  manifest.set_seq(seq);
  if (std::FILE* f = std::fopen((dir / "IDENTITY").c_str(), "r")) {
    char buffer[128] = {};
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, f);
    std::fclose(f);
    std::string identity(buffer, n);
    while (!identity.empty() && (identity.back() == '\n' || identity.back() == ' ')) identity.pop_back();
    manifest.set_store_identity(identity);
  }
  std::map<std::string, const v1::BackupMember*, std::less<>> reusable;
  if (previous != nullptr && kind == kContent && !manifest.store_identity().empty() &&
      previous->store_identity() == manifest.store_identity()) {
    manifest.set_previous(previous->seq());
    for (const v1::BackupMember& member : previous->members()) {
      if (IsImmutableTableFile(member.name())) reusable[member.name()] = &member;
    }
  }
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<SealedFileWriter> out,
                            SealedFileWriter::Create(options.target / ArchiveName(id), ArchiveName(id), keyring,
                                                     options.zstd_level));
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<internal::TarWriter> tar, internal::TarWriter::Open(out.get()));
  std::set<std::uint64_t> needs;
  for (const auto& [name, size] : files) {
    v1::BackupMember* member = manifest.add_members();
    if (const auto it = reusable.find(name); it != reusable.end() && it->second->size() == size) {
      *member = *it->second;
      needs.insert(member->stored_in());
      continue;
    }
    const fs::path path = dir / name;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) return SystemError("cannot open", path);
    crypto::Sha256 hash;
    ARCHIVED_RETURN_IF_ERROR(tar->Add(name, size, !name.ends_with(".blob"),
                                      [&](char* buffer, std::size_t capacity) -> StatusOr<std::size_t> {
                                        while (true) {
                                          const ssize_t n = ::read(fd.get(), buffer, capacity);
                                          if (n < 0 && errno == EINTR) continue;
                                          if (n < 0) return SystemError("cannot read", path);
                                          hash.Update(std::string_view(buffer, static_cast<std::size_t>(n)));
                                          return static_cast<std::size_t>(n);
                                        }
                                      }));
    member->set_name(name);
    member->set_size(size);
    member->set_sha256(hash.Finish());
    member->set_stored_in(seq);
    manifest.set_written_bytes(manifest.written_bytes() + size);
  }
  ARCHIVED_RETURN_IF_ERROR(tar->Close());
  ARCHIVED_RETURN_IF_ERROR(out->Finish());
  manifest.set_archive_bytes(out->file_bytes());
  manifest.set_archive_salt(out->salt());
  manifest.set_master_key_id(out->master_key_id());
  manifest.set_incremental(!needs.empty());
  for (const std::uint64_t n : needs) manifest.add_needs(n);
  manifest.set_daemon_version(options.daemon_version);
  if (kind == kContent) {
    for (const std::string& hold : options.legal_holds) manifest.add_legal_holds(hold);
  }
  return manifest;
}

// The audit chain's head and the document count of a content checkpoint, read without
// changing it.
Status DescribeContent(const fs::path& dir, v1::BackupManifest* manifest) {
  // A copy: opening even read-only writes an info log, which must not enter the backup.
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                            storage::OpenRocksStore({.directory = dir, .read_only = true}));
  ARCHIVED_ASSIGN_OR_RETURN(const audit::ChainHead head, audit::ReadHead(*store));
  manifest->set_audit_seq(head.seq);
  manifest->set_audit_head(head.hash);
  {
    std::uint64_t documents = 0;
    const std::unique_ptr<storage::Iterator> it = store->NewIterator(storage::Keyspace::kDocuments);
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++documents;
    ARCHIVED_RETURN_IF_ERROR(it->status());
    manifest->set_documents(documents);
  }  // the cursor ends before the store closes
  return store->Close();
}

Status WriteManifest(const BackupOptions& options, const crypto::Keyring& keyring, const v1::BackupManifest& manifest) {
  const std::string id = BackupId(manifest.kind(), manifest.seq());
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<SealedFileWriter> out,
                            SealedFileWriter::Create(options.target / ManifestName(id), ManifestName(id), keyring,
                                                     options.zstd_level));
  ARCHIVED_RETURN_IF_ERROR(out->Append(manifest.SerializeAsString(), /*compressible=*/true));
  return out->Finish();
}

Status RemoveAll(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return InternalError("cannot remove \"" + path.string() + "\": " + ec.message());
  return OkStatus();
}

// An archive file in a target, and whether its backup's manifest is there too (without it,
// a crashed or failed run left the archive).
struct ArchiveFile {
  std::string name;
  std::uint64_t seq = 0;
  bool has_manifest = false;
};
std::vector<ArchiveFile> ListArchiveFiles(const fs::path& target) {
  std::vector<ArchiveFile> found;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(target, ec)) {
    std::string name = entry.path().filename().string();
    constexpr std::string_view kSuffix = ".archive";
    if (!name.ends_with(kSuffix)) continue;
    StatusOr<std::pair<std::string, std::uint64_t>> id = ParseBackupId(name.substr(0, name.size() - kSuffix.size()));
    if (!id.ok()) continue;
    const std::string backup = BackupId(id->first, id->second);
    if (ArchiveName(backup) != name) continue;
    const bool has_manifest = fs::exists(target / ManifestName(backup), ec);
    found.push_back({.name = std::move(name), .seq = id->second, .has_manifest = has_manifest});
  }
  std::sort(found.begin(), found.end(), [](const ArchiveFile& a, const ArchiveFile& b) { return a.name < b.name; });
  return found;
}

}  // namespace

std::string BackupId(std::string_view kind, std::uint64_t seq) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(seq));
  return std::string(kind) + "-" + digits;
}

StatusOr<std::pair<std::string, std::uint64_t>> ParseBackupId(std::string_view id) {
  std::string kind(kContent);
  std::string_view number = id;
  if (const std::size_t dash = id.find('-'); dash != std::string_view::npos) {
    kind = std::string(id.substr(0, dash));
    number = id.substr(dash + 1);
  }
  std::uint64_t seq = 0;
  const bool digits = !number.empty() && number.size() <= 18 &&
                      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) seq = std::stoull(std::string(number));
  if ((kind != kContent && kind != kVault) || !digits || seq == 0) {
    return InvalidArgumentError("\"" + std::string(id) + "\" is not a backup id (say 42, content-00000042 or vault-42)");
  }
  return std::make_pair(kind, seq);
}

StatusOr<std::vector<Listed>> ListBackups(const fs::path& target, const crypto::Keyring& keyring) {
  std::error_code ec;
  if (!fs::is_directory(target, ec)) return NotFoundError("backup directory \"" + target.string() + "\" does not exist");
  std::vector<Listed> found;
  for (const fs::directory_entry& entry : fs::directory_iterator(target, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".manifest")) continue;
    StatusOr<std::pair<std::string, std::uint64_t>> id = ParseBackupId(name.substr(0, name.size() - 9));
    if (!id.ok() || BackupId(id->first, id->second) + ".manifest" != name) continue;
    Listed listed{.id = BackupId(id->first, id->second), .kind = id->first, .seq = id->second, .manifest = {}, .problem = {}};
    StatusOr<v1::BackupManifest> manifest = LoadManifest(target, keyring, id->first, id->second);
    if (manifest.ok()) {
      listed.manifest = std::move(*manifest);
    } else {
      listed.problem = manifest.status();
    }
    found.push_back(std::move(listed));
  }
  if (ec) return InternalError("cannot list \"" + target.string() + "\": " + ec.message());
  std::sort(found.begin(), found.end(), [](const Listed& a, const Listed& b) {
    return std::tie(a.kind, a.seq) < std::tie(b.kind, b.seq);
  });
  return found;
}

StatusOr<BackupResult> MakeBackup(const BackupOptions& options, const crypto::Keyring& keyring,
                                  const CheckpointFn& checkpoint, const Clock& clock) {
  if (options.target.empty() || options.work_dir.empty()) {
    return InvalidArgumentError("a backup needs a target directory and a work directory");
  }
  ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(options.target));
  ARCHIVED_RETURN_IF_ERROR(RemoveAll(options.work_dir));
  ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(options.work_dir));
  std::error_code ec;
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<Listed> listed, ListBackups(options.target, keyring));
  std::uint64_t seq = 0;
  const v1::BackupManifest* previous = nullptr;
  for (const Listed& l : listed) {
    seq = std::max(seq, l.seq);
    // Only the newest content backup is built on, and only if it authenticates.
    if (l.kind == kContent) previous = l.manifest ? &*l.manifest : nullptr;
  }
  // Archives a crashed run left without a manifest are garbage, and their numbers are never
  // taken again (a file in the target is never rewritten).
  for (const ArchiveFile& archive : ListArchiveFiles(options.target)) {
    seq = std::max(seq, archive.seq);
    if (!options.append_only && !archive.has_manifest) fs::remove(options.target / archive.name, ec);
  }
  ++seq;
  if (!options.append_only) {
    for (const fs::directory_entry& entry : fs::directory_iterator(options.target, ec)) {
      if (entry.path().extension() == ".tmp") fs::remove(entry.path(), ec);  // older builds' temporary files
    }
  }

  const Timestamp started = clock.Now();
  const fs::path content_dir = options.work_dir / "db", vault_dir = options.work_dir / "vault";
  BackupResult result;
  const Status made = [&]() -> Status {
    ARCHIVED_RETURN_IF_ERROR(checkpoint(content_dir, vault_dir));
    ARCHIVED_ASSIGN_OR_RETURN(result.content, PackCheckpoint(options, keyring, kContent, seq, content_dir, previous));
    ARCHIVED_RETURN_IF_ERROR(DescribeContent(content_dir, &result.content));
    ARCHIVED_ASSIGN_OR_RETURN(result.vault, PackCheckpoint(options, keyring, kVault, seq, vault_dir, nullptr));
    const Timestamp finished = clock.Now();
    for (v1::BackupManifest* m : {&result.content, &result.vault}) {
      v1::SetTime(m->mutable_started(), started);
      v1::SetTime(m->mutable_finished(), finished);
    }
    // The vault's manifest first: a content backup whose manifest exists always has its vault.
    ARCHIVED_RETURN_IF_ERROR(WriteManifest(options, keyring, result.vault));
    return WriteManifest(options, keyring, result.content);
  }();
  IgnoreError(RemoveAll(options.work_dir));
  if (!made.ok()) {
    if (options.append_only) return made;
    for (const std::string_view kind : {kContent, kVault}) {
      if (!fs::exists(options.target / ManifestName(BackupId(kind, seq)), ec)) {
        fs::remove(options.target / ArchiveName(BackupId(kind, seq)), ec);
      }
    }
    return made;
  }
  return result;
}

StatusOr<VerifyResult> VerifyBackup(const fs::path& target, const crypto::Keyring& keyring, std::string_view id,
                                    bool read_data) {
  ARCHIVED_ASSIGN_OR_RETURN(const auto parsed, ParseBackupId(id));
  ARCHIVED_ASSIGN_OR_RETURN(const v1::BackupManifest manifest,
                            LoadManifest(target, keyring, parsed.first, parsed.second));
  if (read_data) return ReadChain(target, keyring, manifest, nullptr);
  ARCHIVED_ASSIGN_OR_RETURN(const auto chain, LoadChain(target, keyring, manifest));
  VerifyResult result;
  for (const auto& [seq, owner] : chain) {
    const fs::path path = target / ArchiveName(BackupId(owner.kind(), seq));
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) return NotFoundError("archive \"" + path.string() + "\" is missing");
    if (size != owner.archive_bytes()) {
      return DataLossError("archive \"" + path.string() + "\" is " + std::to_string(size) + " bytes; its manifest says " +
                           std::to_string(owner.archive_bytes()));
    }
  }
  result.members = static_cast<std::uint64_t>(manifest.members_size());
  return result;
}

StatusOr<RestorePlan> RestoreBackup(const fs::path& target, const crypto::Keyring& keyring, std::string_view id,
                                    const fs::path& data_dir) {
  std::error_code ec;
  const bool existed = fs::exists(data_dir, ec);
  if (existed && (!fs::is_directory(data_dir, ec) || !fs::is_empty(data_dir, ec))) {
    return FailedPreconditionError("restore needs a new data directory; \"" + data_dir.string() + "\" is not empty");
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<Listed> listed, ListBackups(target, keyring));
  std::optional<std::uint64_t> content_seq;
  if (!id.empty()) {
    ARCHIVED_ASSIGN_OR_RETURN(const auto parsed, ParseBackupId(id));
    if (parsed.first != kContent) return InvalidArgumentError("restore takes a content backup, not " + std::string(id));
    content_seq = parsed.second;
  }
  const Listed* content = nullptr;
  const Listed* vault = nullptr;
  for (const Listed& l : listed) {
    if (l.kind == kContent && (!content_seq || l.seq == *content_seq)) content = &l;
    if (l.kind == kVault && l.manifest) vault = &l;
  }
  if (content == nullptr) {
    return NotFoundError(content_seq ? "backup " + BackupId(kContent, *content_seq) + " is not in \"" + target.string() + "\""
                                     : "no content backup in \"" + target.string() + "\"");
  }
  if (!content->manifest) {
    return content->problem.Annotate("backup " + content->id +
                                     (content_seq ? "" : " (the newest; --backup names an earlier one)"));
  }
  if (vault == nullptr) return NotFoundError("no readable vault backup in \"" + target.string() + "\"");
  if (vault->seq < content->seq) {
    return FailedPreconditionError("the newest vault backup (" + vault->id + ") is older than " + content->id +
                                   ": its data keys would be missing");
  }
  RestorePlan plan{.content = *content->manifest, .vault = *vault->manifest};
  // First everything is read and authenticated, writing nothing.
  ARCHIVED_RETURN_IF_ERROR(ReadChain(target, keyring, plan.content, nullptr).status());
  ARCHIVED_RETURN_IF_ERROR(ReadChain(target, keyring, plan.vault, nullptr).status());

  // Then written, into a staging directory inside data_dir, checked again on the way.
  const fs::path staging = data_dir / ".restore";
  const Status written = [&]() -> Status {
    ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(data_dir));
    ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(staging));
    for (const auto& [manifest, sub] : {std::pair{&plan.content, "db"}, std::pair{&plan.vault, "vault"}}) {
      const fs::path dir = staging / sub;
      ARCHIVED_RETURN_IF_ERROR(EnsurePrivateDirectory(dir));
      Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
      if (dir_fd.get() < 0) return SystemError("cannot open", dir);
      std::optional<Fd> file;
      std::string name;
      const Sink sink{
          .begin =
              [&](std::string_view member) -> Status {
                name = member;
                // Names are single checked components; openat never follows a link.
                file.emplace(::openat(dir_fd.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                      0600));
                if (file->get() < 0) return SystemError("cannot create", dir / name);
                return OkStatus();
              },
          .data =
              [&](std::string_view data) -> Status {
                while (!data.empty()) {
                  const ssize_t n = ::write(file->get(), data.data(), data.size());
                  if (n < 0 && errno == EINTR) continue;
                  if (n < 0) return SystemError("cannot write", dir / name);
                  data.remove_prefix(static_cast<std::size_t>(n));
                }
                return OkStatus();
              },
          .end =
              [&]() -> Status {
                if (::fdatasync(file->get()) != 0) return SystemError("cannot sync", dir / name);
                file.reset();
                return OkStatus();
              }};
      ARCHIVED_ASSIGN_OR_RETURN(const VerifyResult r, ReadChain(target, keyring, *manifest, &sink));
      if (r.members != static_cast<std::uint64_t>(manifest->members_size())) {
        return DataLossError("restore wrote " + std::to_string(r.members) + " of " +
                             std::to_string(manifest->members_size()) + " files");
      }
      ARCHIVED_RETURN_IF_ERROR(SyncDirectory(dir));
    }
    // A restored store is a new store: RocksDB gives it its own identity on first open, so
    // that its table files are never taken for the original's by an incremental backup.
    for (const char* sub : {"db", "vault"}) {
      if (::unlink((staging / sub / "IDENTITY").c_str()) != 0 && errno != ENOENT) {
        return SystemError("cannot remove", staging / sub / "IDENTITY");
      }
    }
    ARCHIVED_RETURN_IF_ERROR(RenameDurably(staging / "db", data_dir / "db"));
    ARCHIVED_RETURN_IF_ERROR(RenameDurably(staging / "vault", data_dir / "vault"));
    ARCHIVED_RETURN_IF_ERROR(RemoveAll(staging));
    return SyncDirectory(data_dir);
  }();
  if (!written.ok()) {
    if (existed) {
      for (const char* sub : {".restore", "db", "vault"}) IgnoreError(RemoveAll(data_dir / sub));
    } else {
      IgnoreError(RemoveAll(data_dir));
    }
    return written;
  }
  return plan;
}

StatusOr<ForgetResult> ForgetBackups(const fs::path& target, const crypto::Keyring& keyring, const KeepPolicy& content,
                                     const KeepPolicy& vault, Timestamp now, bool dry_run,
                                     const std::vector<std::string>& legal_holds) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::vector<Listed> listed, ListBackups(target, keyring));
  // A legal hold suspends the rotation of content backups: the empty policy keeps them all.
  // Vault backups still expire: a held record cannot be destroyed, so its data key is in the
  // newest vault backup, which is always kept.
  const KeepPolicy content_policy = legal_holds.empty() ? content : KeepPolicy{};
  ForgetResult result;
  for (const std::string_view kind : {kContent, kVault}) {
    std::vector<Dated> dated;
    std::map<std::uint64_t, const v1::BackupManifest*> by_seq;
    for (const Listed& l : listed) {
      if (l.kind != kind) continue;
      if (!l.manifest) {
        result.unreadable.push_back(l.id);
        continue;
      }
      dated.push_back({.seq = l.seq, .time = v1::TimeOf(l.manifest->finished())});
      by_seq[l.seq] = &*l.manifest;
    }
    const std::set<std::uint64_t> by_policy = Kept(dated, kind == kContent ? content_policy : vault, now);
    std::set<std::uint64_t> kept = by_policy;
    for (const std::uint64_t seq : by_policy) {
      for (const std::uint64_t needed : by_seq.at(seq)->needs()) kept.insert(needed);
    }
    for (const auto& [seq, manifest] : by_seq) {
      const std::string id = BackupId(kind, seq);
      if (kept.contains(seq)) {
        result.kept.push_back(id);
        if (!by_policy.contains(seq)) result.kept_as_needed.push_back(id);
        continue;
      }
      result.removed.push_back(id);
      if (dry_run) continue;
      ARCHIVED_RETURN_IF_ERROR(RemoveFileDurably(target / ManifestName(id)));
      ARCHIVED_RETURN_IF_ERROR(RemoveFileDurably(target / ArchiveName(id)));
    }
  }
  // Archives without a manifest, older than the newest backup: left by a run that crashed or
  // failed (a run in progress has no newer backup than its own).
  std::uint64_t newest = 0;
  for (const Listed& l : listed) newest = std::max(newest, l.seq);
  for (const ArchiveFile& archive : ListArchiveFiles(target)) {
    if (archive.has_manifest || archive.seq >= newest) continue;
    result.leftovers.push_back(archive.name);
    if (!dry_run) ARCHIVED_RETURN_IF_ERROR(RemoveFileDurably(target / archive.name));
  }
  return result;
}

}  // namespace archived::backup
