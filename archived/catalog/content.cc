#include "archived/catalog/content.h"

#include "archived/base/status_macros.h"
#include "archived/codec/codec.h"
#include "archived/catalog/internal/keys.h"
#include "archived/crypto/chunk_seal.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog {

using storage::Keyspace;

Status ContentOptions::Validate() const {
  if (chunk_bytes < 4096 || chunk_bytes > (16u << 20)) {
    return InvalidArgumentError("chunk_bytes must be between 4 KiB and 16 MiB");
  }
  if (zstd_level < 0 || zstd_level > 19 || small_content_zstd_level < 0 || small_content_zstd_level > 19) {
    return InvalidArgumentError("zstd_level and small_content_zstd_level must be between 0 and 19");
  }
  if (hold_bytes_per_upload > (64u << 20) || hold_bytes_total > (1u << 30)) {
    return InvalidArgumentError("hold_bytes_per_upload must be at most 64 MiB and hold_bytes_total at most 1 GiB");
  }
  return OkStatus();
}

bool HoldBudget::TryTake(std::size_t bytes) {
  const auto want = static_cast<std::int64_t>(bytes);
  std::int64_t have = available_.load();
  while (have >= want) {
    if (available_.compare_exchange_weak(have, have - want)) return true;
  }
  return false;
}

ContentWriter::ContentWriter(const ContentOptions& options, storage::Store* store, HoldBudget* budget,
                             std::string content_id, crypto::SecretKey data_key, Timestamp started)
    : options_(options), store_(store), budget_(budget), content_id_(std::move(content_id)),
      data_key_(std::move(data_key)), started_(started) {
  buffer_.reserve(options_.chunk_bytes + 1);
}

std::unique_ptr<ContentWriter> ContentWriter::Begin(const ContentOptions& options, storage::Store* store,
                                                    HoldBudget* budget, ReservedKey key, const Clock& clock) {
  return std::unique_ptr<ContentWriter>(new ContentWriter(options, store, budget, std::move(key.content_id),
                                                          std::move(key.data_key), clock.Now()));
}

Status ContentWriter::RecordPending() {
  v1::PendingUpload pending;
  pending.set_content_id(content_id_);
  v1::SetTime(pending.mutable_started_time(), started_);
  // Synced: chunks skip the log and reach synced blob files by a flush, so the record must be
  // durable first, or a power loss could leave chunks that no record leads the sweeper to.
  // One fsync per content too large to hold.
  ARCHIVED_RETURN_IF_ERROR(store_->Put(Keyspace::kUploads, content_id_, pending.SerializeAsString(), {.sync = true})
                               .Annotate("record pending upload"));
  pending_recorded_ = true;
  return OkStatus();
}

ContentWriter::~ContentWriter() {
  if (!committed_ && !aborted_) {
    IgnoreError(Abort());  // best effort; the startup sweep removes whatever is left
  }
  GiveBackHeld();
}

void ContentWriter::GiveBackHeld() {
  if (budget_taken_ > 0) {
    budget_->Give(budget_taken_);
    budget_taken_ = 0;
  }
}

void ContentWriter::ExpectSize(std::uint64_t bytes) {
  if (bytes > kHoldRatio * options_.hold_bytes_per_upload && bytes > options_.chunk_bytes && chunks_ == 0) {
    writing_ = true;  // the first chunk sealed records the pending upload, then is written
  }
}

bool ContentWriter::MayHold(bool last) {
  if (writing_) return false;
  // The last chunk needs no budget: it takes the place of the plaintext buffer. So content of
  // one chunk is always held.
  if (last && (held_.empty() || held_bytes_ + sealed_.size() <= options_.hold_bytes_per_upload)) {
    return true;
  }
  if (held_bytes_ + sealed_.size() > options_.hold_bytes_per_upload || budget_ == nullptr ||
      !budget_->TryTake(sealed_.size())) {
    return false;
  }
  budget_taken_ += sealed_.size();
  return true;
}

Status ContentWriter::WriteChunk(std::uint64_t index, std::string_view sealed) {
  // Chunks skip the write-ahead log (content would otherwise be written twice: log, then
  // blob file); Finish flushes them to synced blob files before anything references them.
  return store_->Put(Keyspace::kChunks, internal::ChunkKey(content_id_, index), sealed,
                     {.sync = false, .write_ahead_log = false})
      .Annotate("write content chunk");
}

Status ContentWriter::WriteHeld() {
  writing_ = true;
  ARCHIVED_RETURN_IF_ERROR(RecordPending());
  for (std::size_t i = 0; i < held_.size(); ++i) {
    ARCHIVED_RETURN_IF_ERROR(WriteChunk(i, held_[i]));
  }
  held_.clear();
  held_.shrink_to_fit();
  held_bytes_ = 0;
  GiveBackHeld();
  return OkStatus();
}

Status ContentWriter::SealChunk(std::string_view plaintext, bool last) {
  const bool small = last && chunks_ == 0 && plaintext.size() < options_.small_content_bytes;
  codec::EncodePayload(plaintext, small ? options_.small_content_zstd_level : options_.zstd_level, &payload_);
  ARCHIVED_RETURN_IF_ERROR(crypto::SealChunkInto(data_key_, content_id_, chunks_, last, payload_, &sealed_));
  const std::uint64_t index = chunks_++;
  stored_bytes_ += sealed_.size();
  if (MayHold(last)) {
    held_bytes_ += sealed_.size();
    held_.push_back(std::move(sealed_));
    sealed_ = std::string();
    return OkStatus();
  }
  if (!pending_recorded_) {
    ARCHIVED_RETURN_IF_ERROR(WriteHeld());
  }
  return WriteChunk(index, sealed_);
}

Status ContentWriter::Append(std::string_view data) {
  if (finished_ || aborted_) {
    return FailedPreconditionError("append to a finished upload");
  }
  hash_.Update(data);
  size_ += data.size();
  while (!data.empty()) {
    // A chunk is sealed only once a byte beyond it has arrived: until then it might be the
    // last one, and the last chunk carries the STREAM "last" flag.
    if (buffer_.size() == options_.chunk_bytes) {
      ARCHIVED_RETURN_IF_ERROR(SealChunk(buffer_, /*last=*/false));
      buffer_.clear();
    }
    const std::size_t take = std::min(data.size(), options_.chunk_bytes - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
  }
  return OkStatus();
}

StatusOr<SealedContent> ContentWriter::Finish() {
  if (finished_ || aborted_) {
    return FailedPreconditionError("finish an upload twice");
  }
  ARCHIVED_RETURN_IF_ERROR(SealChunk(buffer_, /*last=*/true));
  if (writing_) {
    ARCHIVED_RETURN_IF_ERROR(store_->Flush(Keyspace::kChunks).Annotate("make content chunks durable"));
  }
  finished_ = true;
  buffer_.clear();
  buffer_.shrink_to_fit();
  SealedContent out;
  out.content_id = content_id_;
  out.held_chunks = std::move(held_);
  out.pending_recorded = pending_recorded_;
  out.size = size_;
  out.sha256 = hash_.Finish();
  out.chunk_count = chunks_;
  out.chunk_bytes = static_cast<std::uint32_t>(options_.chunk_bytes);
  out.stored_bytes = stored_bytes_;
  return out;
}

Status ContentWriter::Abort() {
  aborted_ = true;
  held_.clear();
  if (!pending_recorded_) {
    return OkStatus();  // nothing was written
  }
  storage::WriteBatch batch;
  batch.DeleteRange(Keyspace::kChunks, internal::ChunkRangeBegin(content_id_),
                    internal::ChunkRangeEnd(content_id_));
  batch.Delete(Keyspace::kUploads, content_id_);
  return store_->Commit(batch, {.sync = false}).Annotate("abort upload");
}

StatusOr<std::unique_ptr<ContentReader>> ContentReader::Open(const storage::Store& store,
                                                             const storage::Store& vault,
                                                             const crypto::Keyring& keyring,
                                                             const v1::Version& version) {
  const v1::ContentRef& ref = version.content();
  if (ref.content_id().size() != internal::kContentIdBytes || ref.chunk_bytes() == 0 ||
      ref.chunk_count() == 0 || ref.seal_format() != crypto::kChunkSealFormat) {
    return DataLossError("version record has a malformed content reference");
  }
  StatusOr<std::string> wrapped = vault.Get(Keyspace::kKeys, ref.content_id());
  if (!wrapped.ok()) {
    if (wrapped.status().code() == StatusCode::kNotFound) {
      return DataLossError("the data key of this version is missing from the key vault");
    }
    return wrapped.status();
  }
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey key, keyring.Unwrap(*wrapped));
  const std::uint64_t expected_chunks =
      version.size() == 0 ? 1 : (version.size() + ref.chunk_bytes() - 1) / ref.chunk_bytes();
  if (expected_chunks != ref.chunk_count()) {
    return DataLossError("version size and chunk count disagree");
  }
  return std::unique_ptr<ContentReader>(new ContentReader(store, ref.content_id(), std::move(key),
                                                          version.size(), ref.chunk_bytes(),
                                                          ref.chunk_count()));
}

Status ContentReader::ReadChunk(std::uint64_t index, std::string* plaintext) {
  if (index >= chunk_count_) {
    return OutOfRangeError("chunk index past the end of the content");
  }
  if (Status s = store_.GetInto(Keyspace::kChunks, internal::ChunkKey(content_id_, index), &sealed_); !s.ok()) {
    if (s.code() == StatusCode::kNotFound) {
      return DataLossError("content chunk " + std::to_string(index) + " is missing");
    }
    return s;
  }
  const bool last = index + 1 == chunk_count_;
  if (Status s = crypto::OpenChunkInto(data_key_, content_id_, index, last, sealed_, &payload_); !s.ok()) {
    return s.Annotate("content chunk " + std::to_string(index));
  }
  const std::uint64_t expected = last ? size_ - index * chunk_bytes_ : chunk_bytes_;
  return codec::DecodePayload(payload_, expected, plaintext);
}

}  // namespace archived::catalog
