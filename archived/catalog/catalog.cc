#include "archived/catalog/catalog.h"

#include "archived/catalog/key_vault.h"

#include <algorithm>
#include <cstdio>

#include "archived/base/bytes.h"
#include "archived/base/log.h"
#include "archived/base/status_macros.h"
#include "archived/base/text.h"
#include "archived/catalog/file_plan.h"
#include "archived/catalog/key_vault.h"
#include "archived/catalog/internal/keys.h"
#include "archived/catalog/internal/records.h"
#include "archived/crypto/chunk_seal.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog {
namespace {

using storage::Keyspace;
namespace keys = internal;
using internal::EnqueueForIndex;
using internal::Parse;
using internal::ReadDocument;
using internal::ValidateDate;

constexpr std::string_view kFormatKey = "format_version";
constexpr std::string_view kFilingCounter = "filing";
constexpr std::string_view kIndexQueueCounter = "index_queue";  // also in internal/records.cc

using v1::SetTime;

// A filename as stored: the last path component only, so that no download can be steered
// into another directory.
std::string BaseName(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
}

Status ValidateMimeType(std::string_view mime) {
  const std::size_t slash = mime.find('/');
  if (mime.size() > 255 || slash == std::string_view::npos || slash == 0 || slash + 1 == mime.size()) {
    return InvalidArgumentError("mime_type: use type/subtype");
  }
  for (const char c : mime) {
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
      return InvalidArgumentError("mime_type: contains characters not allowed in a media type");
    }
  }
  return OkStatus();
}

// Checks and normalizes the content-related fields shared by documents and versions.
Status NormalizeContentFields(v1::FileMetadata& m) {
  m.set_filename(BaseName(m.filename()));
  ARCHIVED_RETURN_IF_ERROR(ValidateText("filename", m.filename(), 255));
  if (m.mime_type().empty()) {
    m.set_mime_type("application/octet-stream");
  }
  // Parameters such as "; charset=utf-8" are kept; only the type/subtype part is checked.
  const std::string base = m.mime_type().substr(0, m.mime_type().find(';'));
  return ValidateMimeType(base);
}

void FillVersion(v1::Version& version, std::string_view id, std::uint32_t number,
                 const SealedContent& sealed, const v1::FileMetadata& m, const audit::Actor& actor,
                 Timestamp now) {
  version.set_document_id(std::string(id));
  version.set_version(number);
  version.set_size(sealed.size);
  version.set_sha256(HexEncode(sealed.sha256));
  version.set_mime_type(m.mime_type());
  version.set_filename(m.filename());
  SetTime(version.mutable_created_time(), now);
  version.set_author(actor.name);
  version.set_stored_bytes(sealed.stored_bytes);
  v1::ContentRef* ref = version.mutable_content();
  ref->set_content_id(sealed.content_id);
  ref->set_chunk_bytes(sealed.chunk_bytes);
  ref->set_chunk_count(sealed.chunk_count);
  ref->set_seal_format(crypto::kChunkSealFormat);
}

// Identical content filed under the same category and classification is stored once
// (FORMAT.md, Shared content). Sharing stays inside what one set of readers may see, so how
// a filing is stored tells nobody anything about content they cannot read.
std::string SharingScope(std::string_view category, v1::Classification classification) {
  std::string scope(category);
  scope.push_back('#');
  scope += std::to_string(static_cast<int>(classification));
  return scope;
}

// The reference of stored content that `sealed` repeats within `scope` (same digest, size and
// scope), or an empty one (no content id).
StatusOr<v1::ContentRef> FindSharedContent(const audit::Transaction& txn, std::string_view scope,
                                                          const SealedContent& sealed) {
  StatusOr<std::string> content_id = txn.Get(Keyspace::kIndexes, keys::ContentDigestKey(scope, sealed.sha256));
  if (!content_id.ok()) {
    if (content_id.status().code() == StatusCode::kNotFound) return v1::ContentRef();
    return content_id.status();
  }
  StatusOr<std::string> owner = txn.Get(Keyspace::kIndexes, keys::ContentOwnerKey(*content_id));
  if (!owner.ok()) {
    // Shredding deletes the digest entry with the owner entry; a stale one is passed over.
    if (owner.status().code() == StatusCode::kNotFound) return v1::ContentRef();
    return owner.status();
  }
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Version first, internal::ReadVersion(txn, *owner));
  // The digest key holds only a prefix of the digest: the whole one must agree.
  if (first.size() != sealed.size || first.sha256() != HexEncode(sealed.sha256) ||
      first.content().content_id() != *content_id || first.content().sharing_scope() != scope) {
    return v1::ContentRef();
  }
  return first.content();
}

// Writes a version and everything that points at it: its content (the chunks it held and the
// content owner and digest entries), or a share of identical stored content; the
// full-text outbox entry; and the end of its pending-upload record. Returns true if the
// version shares stored content: `sealed`'s own chunks are then deleted here, and its data
// key must be dropped after the commit (Catalog::DropUnusedKey).
StatusOr<bool> PutVersion(audit::Transaction& txn, v1::Version& version, const SealedContent& sealed,
                          std::string_view scope) {
  const std::string ref = keys::VersionKey(version.document_id(), version.version());
  ARCHIVED_ASSIGN_OR_RETURN(const v1::ContentRef shared, FindSharedContent(txn, scope, sealed));
  const bool sharing = !shared.content_id().empty();
  if (sharing) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t shares, internal::ReadContentShares(txn, shared.content_id()));
    internal::WriteContentShares(txn, shared.content_id(), shares + 1);
    *version.mutable_content() = shared;
    version.set_stored_bytes(0);
    if (sealed.pending_recorded) {
      txn.DeleteRange(Keyspace::kChunks, keys::ChunkRangeBegin(sealed.content_id),
                      keys::ChunkRangeEnd(sealed.content_id));
    }
  } else {
    version.mutable_content()->set_sharing_scope(std::string(scope));
    txn.Put(Keyspace::kIndexes, keys::ContentOwnerKey(sealed.content_id), ref);
    txn.Put(Keyspace::kIndexes, keys::ContentDigestKey(scope, sealed.sha256), sealed.content_id);
    for (std::size_t i = 0; i < sealed.held_chunks.size(); ++i) {
      txn.Put(Keyspace::kChunks, keys::ChunkKey(sealed.content_id, i), sealed.held_chunks[i]);
    }
  }
  txn.Put(Keyspace::kVersions, ref, version.SerializeAsString());
  if (sealed.pending_recorded) {
    txn.Delete(Keyspace::kUploads, sealed.content_id);
  }
  ARCHIVED_RETURN_IF_ERROR(EnqueueForIndex(txn, version.document_id()));
  return sharing;
}

// The audit detail's note on how a version's content is stored.
std::string StorageNote(bool shared) { return shared ? " content=shared" : ""; }

v1::FileResponse MakeFileResponse(const v1::Document& doc, const v1::Version& version) {
  v1::FileResponse out;
  out.set_id(doc.id());
  out.set_reference_code(doc.reference_code());
  out.set_version(version.version());
  out.set_sha256(version.sha256());
  out.set_size(version.size());
  out.set_mime_type(version.mime_type());
  out.set_filename(version.filename());
  out.set_title(doc.title());
  out.set_category(doc.category());
  return out;
}


}  // namespace

Status CatalogOptions::Validate() const {
  ARCHIVED_RETURN_IF_ERROR(ValidateFonds(fonds));
  ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(default_category).Annotate("default_category"));
  if (default_page_size == 0 || default_page_size > max_page_size) {
    return InvalidArgumentError("default_page_size must be between 1 and max_page_size");
  }
  return content.Validate();
}

StatusOr<std::unique_ptr<Catalog>> Catalog::Open(const CatalogOptions& options,
                                                 storage::Store* store, storage::Store* vault,
                                                 const crypto::Keyring* keyring,
                                                 audit::Committer* committer, const Clock& clock) {
  ARCHIVED_RETURN_IF_ERROR(options.Validate());
  auto catalog = std::unique_ptr<Catalog>(new Catalog(options, store, vault, keyring, committer, clock));
  ARCHIVED_RETURN_IF_ERROR(catalog->InitializeOrCheckFormat());
  ARCHIVED_RETURN_IF_ERROR(catalog->SweepOrphans().status());
  // Destructions this store has not seen: a crash in the middle of one, or a content backup
  // restored beside a newer vault.
  ARCHIVED_RETURN_IF_ERROR(catalog->ReplayLedger({.name = "system"}).status());
  return catalog;
}

Status Catalog::InitializeOrCheckFormat() {
  StatusOr<std::string> format = store_->Get(Keyspace::kMeta, kFormatKey);
  if (format.ok()) {
    const int version = std::atoi(format->c_str());
    if (version > kFormatVersion) {
      return FailedPreconditionError("the data directory has format version " + *format +
                                     ", newer than this build reads (" +
                                     std::to_string(kFormatVersion) + "); upgrade archived");
    }
    if (version < 1) {
      return DataLossError("the data directory has a malformed format version");
    }
    if (version < kOldestFormatVersion) {
      return FailedPreconditionError("the data directory has format version " + *format +
                                     ", a pre-release format this build does not read (its audit chain "
                                     "is hashed differently); start a new data directory");
    }
    if (version == kFormatVersion) return OkStatus();
    return committer_->Run([&](audit::Transaction& txn) -> Status {
      txn.Put(Keyspace::kMeta, kFormatKey, std::to_string(kFormatVersion));
      txn.Audit(audit::EventBy({.name = "system"}, "archive.upgrade", "",
                               "format=" + *format + " to " + std::to_string(kFormatVersion)));
      return OkStatus();
    });
  }
  if (format.status().code() != StatusCode::kNotFound) {
    return format.status();
  }
  std::vector<v1::Category> plan = options_.initial_file_plan.empty() ? DefaultFilePlan()
                                                                       : options_.initial_file_plan;
  for (const v1::Category& category : plan) {
    ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(category.code()));
  }
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    txn.Put(Keyspace::kMeta, kFormatKey, std::to_string(kFormatVersion));
    for (const v1::Category& category : plan) {
      txn.Put(Keyspace::kCategories, category.code(), category.SerializeAsString());
    }
    txn.Audit(audit::EventBy({.name = "system"}, "archive.create", "",
                    "fonds=" + options_.fonds + " format=" + std::to_string(kFormatVersion) +
                        " categories=" + std::to_string(plan.size())));
    return OkStatus();
  });
}

void Catalog::DropUnusedKey(const std::string& content_id) {
  storage::WriteBatch batch;
  batch.Delete(Keyspace::kKeys, content_id);
  if (const Status s = vault_->Commit(batch, {.sync = false}); !s.ok()) {
    LogLine("cannot drop an unused data key (swept at the next start): " + s.ToString());
  }
}

std::optional<std::unique_ptr<ContentWriter>> Catalog::TryBeginContent() {
  std::optional<ReservedKey> key = keys_.TryTake();
  if (!key) {
    return std::nullopt;
  }
  return ContentWriter::Begin(options_.content, store_, &hold_budget_, std::move(*key), clock_);
}

StatusOr<std::unique_ptr<ContentWriter>> Catalog::BeginContent() {
  ARCHIVED_ASSIGN_OR_RETURN(ReservedKey key, keys_.Take());
  return ContentWriter::Begin(options_.content, store_, &hold_budget_, std::move(key), clock_);
}

StatusOr<Filing> Catalog::PrepareFiling(const audit::Actor& actor, const v1::FileMetadata& metadata,
                                        ContentWriter& content) {
  Filing filing;
  filing.actor = actor;
  v1::FileMetadata& m = filing.metadata;
  m = metadata;
  ARCHIVED_RETURN_IF_ERROR(NormalizeContentFields(m));
  if (m.title().empty()) {
    m.set_title(m.filename());
  }
  if (m.title().empty()) {
    return InvalidArgumentError("title: required (or give a filename)");
  }
  if (m.category().empty()) {
    m.set_category(options_.default_category);
  }
  if (m.classification() == v1::CLASSIFICATION_UNSPECIFIED) m.set_classification(v1::INTERNAL);
  ARCHIVED_RETURN_IF_ERROR(ValidateClassification(m.classification()));
  ARCHIVED_RETURN_IF_ERROR(ValidateText("title", m.title(), options_.max_title_bytes));
  ARCHIVED_RETURN_IF_ERROR(ValidateText("author", m.author(), 200));
  ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(m.category()));
  ARCHIVED_RETURN_IF_ERROR(ValidateDate(m.date()));
  if (static_cast<std::size_t>(m.tags_size()) > options_.max_tags) {
    return InvalidArgumentError("tags: more than " + std::to_string(options_.max_tags));
  }
  for (const std::string& tag : m.tags()) {
    ARCHIVED_RETURN_IF_ERROR(ValidateText("tags", tag, options_.max_tag_bytes));
  }
  ARCHIVED_ASSIGN_OR_RETURN(filing.sealed, content.Finish());
  ARCHIVED_ASSIGN_OR_RETURN(const std::string raw_id, crypto::RandomBytes(12));
  filing.id = HexEncode(raw_id);
  return filing;
}

Status Catalog::FileTransaction(audit::Transaction& txn, Filing& filing) {
  const v1::FileMetadata& m = filing.metadata;
  StatusOr<std::string> category_bytes = txn.Get(Keyspace::kCategories, m.category());
  if (!category_bytes.ok()) {
    return category_bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("category: \"" + m.category() + "\" is not in the file plan")
               : category_bytes.status();
  }
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Category category, Parse<v1::Category>(*category_bytes, "category"));
  const int year = m.date().empty() ? UtcYear(txn.now()) : std::atoi(m.date().substr(0, 4).c_str());
  const std::string ref_counter = "ref/" + options_.fonds + "/" + std::to_string(year) + "/" +
                                  std::string(RetentionCode(category.retention_class())) + "/" + m.category();
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t ref_seq, txn.NextCounter(ref_counter));
  ARCHIVED_ASSIGN_OR_RETURN(const std::uint64_t filing_seq, txn.NextCounter(kFilingCounter));
  v1::Document& doc = filing.document;
  doc.set_id(filing.id);
  doc.set_reference_code(FormatReferenceCode(options_.fonds, year, category.retention_class(), m.category(), ref_seq));
  doc.set_title(m.title());
  doc.set_category(m.category());
  doc.set_author(m.author());
  doc.set_date(m.date());
  *doc.mutable_tags() = m.tags();
  SetTime(doc.mutable_filed_time(), txn.now());
  SetTime(doc.mutable_modified_time(), txn.now());
  doc.set_latest_version(1);
  doc.set_filed_by(filing.actor.name);
  doc.set_filing_seq(filing_seq);
  doc.set_state(v1::DOCUMENT_STATE_ACTIVE);
  doc.set_classification(m.classification());
  FillVersion(filing.version, filing.id, 1, filing.sealed, m, filing.actor, txn.now());

  txn.Put(Keyspace::kDocuments, filing.id, doc.SerializeAsString());
  txn.Put(Keyspace::kIndexes, keys::FilingOrderKey(filing_seq), filing.id);
  txn.Put(Keyspace::kIndexes, keys::CategoryOrderKey(doc.category(), filing_seq), filing.id);
  txn.Put(Keyspace::kIndexes, keys::ReferenceCodeKey(doc.reference_code()), filing.id);
  ARCHIVED_ASSIGN_OR_RETURN(filing.shared_content,
                            PutVersion(txn, filing.version, filing.sealed,
                                       SharingScope(doc.category(), doc.classification())));
  txn.Audit(audit::EventBy(filing.actor, "document.file", filing.id,
                  "reference_code=" + doc.reference_code() + " classification=" +
                      v1::Classification_Name(doc.classification()) + " version=1 size=" +
                      std::to_string(filing.sealed.size) + " sha256=" + filing.version.sha256() +
                      StorageNote(filing.shared_content)));
  return OkStatus();
}

void Catalog::SubmitFiling(std::shared_ptr<Filing> filing, std::function<void(const Status&)> done) {
  committer_->Submit([this, filing](audit::Transaction& txn) { return FileTransaction(txn, *filing); },
                     [this, filing, done = std::move(done)](const Status& status) {
                       if (status.ok() && filing->shared_content) DropUnusedKey(filing->sealed.content_id);
                       done(status);
                     });
}

v1::FileResponse Catalog::FiledResponse(const Filing& filing) {
  return MakeFileResponse(filing.document, filing.version);
}

StatusOr<v1::FileResponse> Catalog::FileDocument(const audit::Actor& actor, const v1::FileMetadata& metadata,
                                                 ContentWriter& content) {
  ARCHIVED_ASSIGN_OR_RETURN(Filing prepared, PrepareFiling(actor, metadata, content));
  auto filing = std::make_shared<Filing>(std::move(prepared));
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) { return FileTransaction(txn, *filing); }));
  content.MarkCommitted();
  if (filing->shared_content) DropUnusedKey(filing->sealed.content_id);
  return MakeFileResponse(filing->document, filing->version);
}

StatusOr<v1::FileResponse> Catalog::AddVersion(const audit::Actor& actor, std::string_view id,
                                               const v1::FileMetadata& metadata,
                                               ContentWriter& content) {
  v1::FileMetadata m = metadata;
  ARCHIVED_RETURN_IF_ERROR(NormalizeContentFields(m));
  ARCHIVED_RETURN_IF_ERROR(LoadDocument(id).status());  // fail before sealing the last chunk
  ARCHIVED_ASSIGN_OR_RETURN(const SealedContent sealed, content.Finish());
  v1::Document doc;
  v1::Version version;
  bool shared = false;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(doc, internal::ReadLiveDocument(txn, id));
    const std::uint32_t number = doc.latest_version() + 1;
    if (m.filename().empty()) {
      // A new version without a name keeps the name of the one before it.
      ARCHIVED_ASSIGN_OR_RETURN(const v1::Version previous,
                                internal::ReadVersion(txn, keys::VersionKey(id, doc.latest_version())));
      m.set_filename(previous.filename());
    }
    FillVersion(version, id, number, sealed, m, actor, txn.now());
    doc.set_latest_version(number);
    SetTime(doc.mutable_modified_time(), txn.now());
    txn.Put(Keyspace::kDocuments, id, doc.SerializeAsString());
    ARCHIVED_ASSIGN_OR_RETURN(shared,
                              PutVersion(txn, version, sealed, SharingScope(doc.category(), doc.classification())));
    txn.Audit(audit::EventBy(actor, "document.version", std::string(id),
                    "reference_code=" + doc.reference_code() + " version=" + std::to_string(number) +
                        " size=" + std::to_string(sealed.size) + " sha256=" + version.sha256() +
                        StorageNote(shared)));
    return OkStatus();
  }));
  content.MarkCommitted();
  if (shared) DropUnusedKey(sealed.content_id);
  return MakeFileResponse(doc, version);
}

StatusOr<v1::Document> Catalog::UpdateDocument(const audit::Actor& actor, std::string_view id,
                                               const v1::DocumentPatch& patch, bool tags_present) {
  if (patch.has_title()) {
    if (patch.title().empty()) return InvalidArgumentError("title: must not be empty");
    ARCHIVED_RETURN_IF_ERROR(ValidateText("title", patch.title(), options_.max_title_bytes));
  }
  if (patch.has_author()) ARCHIVED_RETURN_IF_ERROR(ValidateText("author", patch.author(), 200));
  if (patch.has_date()) ARCHIVED_RETURN_IF_ERROR(ValidateDate(patch.date()));
  if (patch.has_category()) ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(patch.category()));
  if (tags_present) {
    if (static_cast<std::size_t>(patch.tags_size()) > options_.max_tags) {
      return InvalidArgumentError("tags: more than " + std::to_string(options_.max_tags));
    }
    for (const std::string& tag : patch.tags()) {
      ARCHIVED_RETURN_IF_ERROR(ValidateText("tags", tag, options_.max_tag_bytes));
    }
  }
  if (patch.has_classification()) {
    ARCHIVED_RETURN_IF_ERROR(ValidateClassification(patch.classification()));
  }
  v1::Document doc;
  ARCHIVED_RETURN_IF_ERROR(committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(doc, internal::ReadLiveDocument(txn, id));
    std::string changes;
    const auto note = [&](std::string_view field, const std::string& before, const std::string& after) {
      if (before != after) {
        // Appended piece by piece: GCC 12 at -O3 misreports -Wrestrict on one long operator+.
        if (!changes.empty()) changes += ' ';
        changes.append(field).append(": \"").append(before).append("\" -> \"").append(after).append("\"");
      }
    };
    if (patch.has_title()) { note("title", doc.title(), patch.title()); doc.set_title(patch.title()); }
    if (patch.has_author()) { note("author", doc.author(), patch.author()); doc.set_author(patch.author()); }
    if (patch.has_date()) { note("date", doc.date(), patch.date()); doc.set_date(patch.date()); }
    if (tags_present) {
      auto join = [](const auto& tags) {
        std::string out;
        for (const std::string& t : tags) out += (out.empty() ? "" : ",") + t;
        return out;
      };
      note("tags", join(doc.tags()), join(patch.tags()));
      *doc.mutable_tags() = patch.tags();
    }
    if (patch.has_classification()) {
      note("classification", v1::Classification_Name(EffectiveClassification(doc.classification())),
           v1::Classification_Name(patch.classification()));
      doc.set_classification(patch.classification());
    }
    if (patch.has_category() && patch.category() != doc.category()) {
      StatusOr<std::string> exists = txn.Get(Keyspace::kCategories, patch.category());
      if (!exists.ok()) {
        return NotFoundError("category: \"" + patch.category() + "\" is not in the file plan");
      }
      txn.Delete(Keyspace::kIndexes, keys::CategoryOrderKey(doc.category(), doc.filing_seq()));
      txn.Put(Keyspace::kIndexes, keys::CategoryOrderKey(patch.category(), doc.filing_seq()), doc.id());
      note("category", doc.category(), patch.category());
      doc.set_category(patch.category());
    }
    if (changes.empty()) {
      return OkStatus();  // nothing changed: no write, no audit event
    }
    SetTime(doc.mutable_modified_time(), txn.now());
    txn.Put(Keyspace::kDocuments, id, doc.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "document.update", std::string(id), changes));
    return EnqueueForIndex(txn, id);
  }));
  return doc;
}

StatusOr<v1::Document> Catalog::LoadDocument(std::string_view id) const {
  StatusOr<std::string> bytes = store_->Get(Keyspace::kDocuments, id);
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
    // Not an id: perhaps a reference code.
    StatusOr<std::string> by_code = store_->Get(Keyspace::kIndexes, keys::ReferenceCodeKey(id));
    if (by_code.ok()) {
      bytes = store_->Get(Keyspace::kDocuments, *by_code);
    }
  }
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("document \"" + std::string(id) + "\" not found")
               : bytes.status();
  }
  return Parse<v1::Document>(*bytes, "document");
}

StatusOr<v1::Document> Catalog::GetDocument(std::string_view id) const { return LoadDocument(id); }

StatusOr<std::vector<v1::Version>> Catalog::ListVersions(std::string_view id) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, LoadDocument(id));
  std::vector<v1::Version> versions;
  const std::string prefix = keys::VersionPrefix(doc.id());
  auto it = store_->NewIterator(Keyspace::kVersions);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Version version, Parse<v1::Version>(std::string(it->value()), "version"));
    versions.push_back(std::move(version));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return versions;
}

StatusOr<v1::Version> Catalog::GetVersion(std::string_view id, std::uint32_t version) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, LoadDocument(id));
  const std::uint32_t number = version == 0 ? doc.latest_version() : version;
  StatusOr<std::string> bytes = store_->Get(Keyspace::kVersions, keys::VersionKey(doc.id(), number));
  if (!bytes.ok()) {
    return bytes.status().code() == StatusCode::kNotFound
               ? NotFoundError("document \"" + doc.id() + "\" has no version " + std::to_string(number))
               : bytes.status();
  }
  return Parse<v1::Version>(*bytes, "version");
}

StatusOr<std::unique_ptr<ContentReader>> Catalog::OpenContent(const v1::Version& version) const {
  ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, LoadDocument(version.document_id()));
  if (doc.state() == v1::DOCUMENT_STATE_DESTROYED) {
    return FailedPreconditionError("document " + doc.reference_code() + " was destroyed at " +
                                   FormatRfc3339(v1::TimeOf(doc.destruction().destroyed_time())) +
                                   " (disposition batch " + doc.destruction().batch_id() +
                                   "): its content is gone, only its record remains");
  }
  return ContentReader::Open(*store_, *vault_, *keyring_, version);
}

StatusOr<v1::DocumentList> Catalog::ListDocuments(std::string_view category, std::size_t limit,
                                                  std::string_view cursor,
                                                  const std::function<bool(const v1::Document&)>& visible) const {
  if (limit == 0) {
    limit = options_.default_page_size;
  }
  if (limit > options_.max_page_size) {
    return InvalidArgumentError("limit: at most " + std::to_string(options_.max_page_size));
  }
  if (!category.empty()) {
    ARCHIVED_RETURN_IF_ERROR(ValidateCategoryCode(category));
  }
  const std::string prefix = category.empty() ? keys::FilingOrderPrefix() : keys::CategoryOrderPrefix(category);
  std::string start = prefix;
  if (cursor.empty()) {
    start.append(8, '\xff');
  } else {
    const std::optional<std::string> raw = HexDecode(cursor);
    if (!raw || raw->size() != 8) {
      return InvalidArgumentError("cursor: not a cursor this server gave out");
    }
    const std::uint64_t seq = *ReadBigEndian64(*raw);
    if (seq == 0) {
      return v1::DocumentList();
    }
    AppendBigEndian64(start, seq - 1);
  }
  v1::DocumentList out;
  std::uint64_t last_seq = 0;
  auto it = store_->NewIterator(Keyspace::kIndexes);
  for (it->SeekForPrev(start); it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (static_cast<std::size_t>(out.documents_size()) == limit) {
      std::string raw;
      AppendBigEndian64(raw, last_seq);
      out.set_next_cursor(HexEncode(raw));
      break;
    }
    ARCHIVED_ASSIGN_OR_RETURN(std::string bytes, store_->Get(Keyspace::kDocuments, it->value()));
    ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, Parse<v1::Document>(bytes, "document"));
    if (visible && !visible(doc)) continue;
    *out.add_documents() = std::move(doc);
    last_seq = *ReadBigEndian64(it->key().substr(prefix.size()));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<std::vector<Catalog::IndexQueueItem>> Catalog::ReadIndexQueue(std::uint64_t after_seq,
                                                                       std::size_t max) const {
  std::vector<IndexQueueItem> out;
  auto it = store_->NewIterator(Keyspace::kIndexQueue);
  for (it->Seek(keys::IndexQueueKey(after_seq + 1)); it->Valid() && out.size() < max; it->Next()) {
    const std::optional<std::uint64_t> seq = ReadBigEndian64(it->key());
    if (!seq || it->key().size() != 8) return DataLossError("index queue key is malformed");
    ARCHIVED_ASSIGN_OR_RETURN(v1::IndexQueueEntry entry,
                              Parse<v1::IndexQueueEntry>(std::string(it->value()), "index queue"));
    out.push_back(IndexQueueItem{.seq = *seq, .entry = std::move(entry)});
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

Status Catalog::TrimIndexQueue(std::uint64_t through_seq) {
  // Through the committer, like every other write: the indexer's thread is of the idle
  // scheduling class, and a direct write could make it the leader of the store's write group
  // that the committer then waits behind.
  return committer_->Run([through_seq](audit::Transaction& txn) {
    txn.DeleteRange(Keyspace::kIndexQueue, keys::IndexQueueKey(0), keys::IndexQueueKey(through_seq + 1));
    return OkStatus();
  });
}

StatusOr<std::uint64_t> Catalog::IndexQueueHead() const {
  return audit::ReadCounter(*store_, kIndexQueueCounter);
}

Status Catalog::ForEachDocumentId(const std::function<Status(std::string_view id)>& fn) const {
  const std::string prefix = keys::FilingOrderPrefix();
  auto it = store_->NewIterator(Keyspace::kIndexes);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ARCHIVED_RETURN_IF_ERROR(fn(it->value()));
  }
  return it->status();
}

Status Catalog::ForEachDocument(const std::function<Status(const v1::Document&)>& fn) const {
  return ForEachDocumentId([&](std::string_view id) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(std::string bytes, store_->Get(Keyspace::kDocuments, id));
    ARCHIVED_ASSIGN_OR_RETURN(const v1::Document doc, Parse<v1::Document>(bytes, "document"));
    return fn(doc);
  });
}

Status Catalog::RecordExtraction(std::string_view id, std::uint32_t version, std::string_view outcome) {
  return committer_->Run([&](audit::Transaction& txn) -> Status {
    ARCHIVED_ASSIGN_OR_RETURN(v1::Document doc, ReadDocument(txn, id));
    if (doc.latest_version() != version || doc.extraction() == outcome) return OkStatus();
    doc.set_extraction(std::string(outcome));
    txn.Put(Keyspace::kDocuments, id, doc.SerializeAsString());
    txn.Audit(audit::EventBy({.name = "system"}, "document.extraction", std::string(id),
                    "version " + std::to_string(version) + ": " +
                        (outcome.empty() ? std::string("text extracted") : std::string(outcome))));
    return OkStatus();
  });
}

Status Catalog::SetCategoryAccess(const audit::Actor& actor, std::string_view code, const v1::CategoryAccess& access,
                                  bool readers_present, bool filers_present) {
  for (const auto* list : {&access.readers(), &access.filers()}) {
    for (const std::string& entry : *list) ARCHIVED_RETURN_IF_ERROR(ValidateAccessEntry(entry));
  }
  return ChangeFilePlan([&](audit::Transaction& txn) -> Status {
    StatusOr<std::string> bytes = txn.Get(Keyspace::kCategories, code);
    if (!bytes.ok()) {
      return bytes.status().code() == StatusCode::kNotFound
                 ? NotFoundError("category \"" + std::string(code) + "\" is not in the file plan")
                 : bytes.status();
    }
    ARCHIVED_ASSIGN_OR_RETURN(v1::Category category, Parse<v1::Category>(*bytes, "category"));
    const auto join = [](const auto& list) {
      std::string out;
      for (const std::string& e : list) out += (out.empty() ? "" : ",") + e;
      return out;
    };
    std::string detail;
    if (readers_present) {
      *category.mutable_readers() = access.readers();
      detail += "readers=[" + join(category.readers()) + "] ";
    }
    if (filers_present) {
      *category.mutable_filers() = access.filers();
      detail += "filers=[" + join(category.filers()) + "]";
    }
    txn.Put(Keyspace::kCategories, category.code(), category.SerializeAsString());
    txn.Audit(audit::EventBy(actor, "category.access", category.code(), detail));
    return OkStatus();
  });
}

Status Catalog::CheckVersion(const v1::Version& version, std::uint64_t* bytes) const {
  *bytes = 0;
  ARCHIVED_ASSIGN_OR_RETURN(std::unique_ptr<ContentReader> reader, OpenContent(version));
  crypto::Sha256 digest;
  std::string chunk;
  for (std::uint64_t i = 0; i < reader->chunk_count(); ++i) {
    if (Status read = reader->ReadChunk(i, &chunk); !read.ok()) {
      return read.Annotate("chunk " + std::to_string(i) + " of " + std::to_string(reader->chunk_count()));
    }
    digest.Update(chunk);
    *bytes += chunk.size();
  }
  if (*bytes != version.size()) {
    return DataLossError("read " + std::to_string(*bytes) + " bytes, recorded " + std::to_string(version.size()));
  }
  if (HexEncode(digest.Finish()) != version.sha256()) {
    return DataLossError("the content's SHA-256 differs from the one recorded at filing");
  }
  return OkStatus();
}

Status Catalog::ChangeFilePlan(const std::function<Status(audit::Transaction&)>& fn) {
  const Status status = committer_->Run(fn);
  file_plan_generation_.fetch_add(1, std::memory_order_acq_rel);
  return status;
}

StatusOr<v1::CategoryList> Catalog::ListCategories() const {
  v1::CategoryList out;
  auto it = store_->NewIterator(Keyspace::kCategories);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ARCHIVED_ASSIGN_OR_RETURN(*out.add_categories(), Parse<v1::Category>(std::string(it->value()), "category"));
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  return out;
}

StatusOr<std::size_t> Catalog::SweepOrphans() {
  // Uploads that never committed: their chunks, and their pending records.
  std::size_t swept = 0;
  storage::WriteBatch batch;
  auto it = store_->NewIterator(Keyspace::kUploads);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string content_id(it->key());
    batch.DeleteRange(Keyspace::kChunks, keys::ChunkRangeBegin(content_id), keys::ChunkRangeEnd(content_id));
    batch.Delete(Keyspace::kUploads, content_id);
    ++swept;
  }
  ARCHIVED_RETURN_IF_ERROR(it->status());
  if (!batch.empty()) {
    ARCHIVED_RETURN_IF_ERROR(store_->Commit(batch, {.sync = true}).Annotate("sweep orphan uploads"));
  }
  // Wrapped keys whose commit never happened (the vault is written first).
  storage::WriteBatch vault_batch;
  auto keys_it = vault_->NewIterator(Keyspace::kKeys);
  for (keys_it->SeekToFirst(); keys_it->Valid(); keys_it->Next()) {
    if (IsVaultSecretKey(keys_it->key())) continue;  // owned by the daemon, not a content
    StatusOr<std::string> owner = store_->Get(Keyspace::kIndexes, keys::ContentOwnerKey(keys_it->key()));
    if (!owner.ok() && owner.status().code() == StatusCode::kNotFound) {
      vault_batch.Delete(Keyspace::kKeys, keys_it->key());
    } else {
      ARCHIVED_RETURN_IF_ERROR(owner.status());
    }
  }
  ARCHIVED_RETURN_IF_ERROR(keys_it->status());
  if (!vault_batch.empty()) {
    ARCHIVED_RETURN_IF_ERROR(vault_->Commit(vault_batch, {.sync = true}).Annotate("sweep orphan keys"));
  }
  return swept;
}

}  // namespace archived::catalog
