#include "archived/codec/codec.h"

#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "archived/base/check.h"
#include "archived/base/status_macros.h"

namespace archived::codec {
namespace {
constexpr char kRaw = 0;
constexpr char kZstd = 1;
constexpr char kLz4 = 2;

// Contexts are reused: ZSTD_compress makes and frees a context on every call, which cost
// more than compressing a 10 KiB document. A compression context holds ~1.25 MiB once it has
// compressed a 1 MiB chunk at level 3, so they are pooled rather than kept per thread: one
// upload's chunks are sealed on whichever of the eight blocking threads is free, and with a
// context per thread it ended up holding eight. The pool keeps as many as ever compressed at
// once (one per core, give or take).
class CompressorPool {
 public:
  ZSTD_CCtx* Take() {
    {
      const std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        ZSTD_CCtx* cctx = idle_.back();
        idle_.pop_back();
        return cctx;
      }
    }
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ARCHIVED_CHECK(cctx != nullptr);
    return cctx;
  }
  void Give(ZSTD_CCtx* cctx) {
    const std::lock_guard lock(mu_);
    idle_.push_back(cctx);
  }

 private:
  std::mutex mu_;
  std::vector<ZSTD_CCtx*> idle_;  // never freed: they live as long as the process
};

// A compression context from the pool, given back when this goes out of scope.
class Compressor {
 public:
  Compressor() : cctx_(Pool().Take()) {}
  ~Compressor() { Pool().Give(cctx_); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  ZSTD_CCtx* get() const { return cctx_; }

 private:
  static CompressorPool& Pool() {
    static CompressorPool* pool = new CompressorPool();  // never destroyed: used by exiting threads
    return *pool;
  }
  ZSTD_CCtx* const cctx_;
};

// A decompression context per thread: small for one-shot decoding.
ZSTD_DCtx* Decompressor() {
  struct Holder {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(dctx); }
  };
  thread_local Holder holder;
  ARCHIVED_CHECK(holder.dctx != nullptr);
  return holder.dctx;
}

}  // namespace

void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out) {
  if (plaintext.size() >= 64 && zstd_level > 0) {
    out->resize(1 + ZSTD_compressBound(plaintext.size()));
    const Compressor compressor;
    const std::size_t n = ZSTD_compressCCtx(compressor.get(), out->data() + 1, out->size() - 1, plaintext.data(),
                                            plaintext.size(), zstd_level);
    if (!ZSTD_isError(n) && n + plaintext.size() / 16 < plaintext.size()) {
      (*out)[0] = kZstd;
      out->resize(1 + n);
      return;
    }
  }
  out->assign(1, kRaw);
  out->append(plaintext);
}

void EncodeFastPayload(std::string_view plaintext, std::string* out) {
  if (plaintext.size() >= 64 && plaintext.size() <= LZ4_MAX_INPUT_SIZE) {
    const int source = static_cast<int>(plaintext.size());
    out->resize(1 + static_cast<std::size_t>(LZ4_compressBound(source)));
    const int n = LZ4_compress_default(plaintext.data(), out->data() + 1, source, static_cast<int>(out->size() - 1));
    if (n > 0 && static_cast<std::size_t>(n) + plaintext.size() / 16 < plaintext.size()) {
      (*out)[0] = kLz4;
      out->resize(1 + static_cast<std::size_t>(n));
      return;
    }
  }
  out->assign(1, kRaw);
  out->append(plaintext);
}

namespace {

// What both decoders do first: check the tag, and for zstd the declared size; a raw payload
// is copied to `out` whole (and nothing is left to decode). Otherwise `out` is sized to
// expected_bytes and the compressed bytes are returned with their tag.
struct Compressed {
  char codec = kRaw;
  std::string_view bytes;
};
StatusOr<Compressed> StartDecoding(std::string_view payload, std::size_t expected_bytes, std::string* out) {
  if (payload.empty()) {
    return DataLossError("chunk payload is empty");
  }
  const Compressed body{payload[0], payload.substr(1)};
  switch (body.codec) {
    case kRaw:
      if (body.bytes.size() != expected_bytes) {
        return DataLossError("chunk has the wrong length");
      }
      out->assign(body.bytes);
      return body;
    case kZstd:
      if (ZSTD_getFrameContentSize(body.bytes.data(), body.bytes.size()) != expected_bytes) {
        return DataLossError("compressed chunk declares the wrong length");
      }
      break;
    case kLz4:
      if (expected_bytes > LZ4_MAX_INPUT_SIZE || body.bytes.size() > LZ4_MAX_INPUT_SIZE) {
        return DataLossError("compressed chunk is too long for LZ4");
      }
      break;
    default:
      return DataLossError("chunk payload has an unknown codec");
  }
  out->resize(expected_bytes);
  return body;
}

// LZ4 decodes up to `target` bytes of the block into `out`; every byte up to there must come.
Status DecodeLz4(std::string_view block, std::size_t target, std::size_t expected_bytes, std::string* out) {
  const int n = target == expected_bytes
                    ? LZ4_decompress_safe(block.data(), out->data(), static_cast<int>(block.size()),
                                          static_cast<int>(expected_bytes))
                    : LZ4_decompress_safe_partial(block.data(), out->data(), static_cast<int>(block.size()),
                                                  static_cast<int>(target), static_cast<int>(expected_bytes));
  if (n < 0 || static_cast<std::size_t>(n) != target) {
    return DataLossError("compressed chunk does not decompress");
  }
  return OkStatus();
}

}  // namespace

Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out) {
  StatusOr<Compressed> body = StartDecoding(payload, expected_bytes, out);
  if (!body.ok()) return body.status();
  switch (body->codec) {
    case kLz4:
      return DecodeLz4(body->bytes, expected_bytes, expected_bytes, out);
    case kZstd: {
      const std::size_t n =
          ZSTD_decompressDCtx(Decompressor(), out->data(), out->size(), body->bytes.data(), body->bytes.size());
      if (ZSTD_isError(n) || n != expected_bytes) {
        return DataLossError("compressed chunk does not decompress");
      }
      return OkStatus();
    }
    default:
      return OkStatus();  // raw: copied already
  }
}

Status DecodePayloadPrefix(std::string_view payload, std::size_t expected_bytes, std::string* out,
                           const std::function<bool(std::string_view decoded)>& enough) {
  StatusOr<Compressed> body = StartDecoding(payload, expected_bytes, out);
  if (!body.ok() || body->codec == kRaw) return body.status();
  if (body->codec == kLz4) {
    // An LZ4 block decodes only from its start, but fast and with nothing to set up: each step
    // decodes twice the previous prefix, so the bytes decoded stay under twice those kept.
    constexpr std::size_t kFirstStepBytes = 2048;
    for (std::size_t target = std::min(kFirstStepBytes, expected_bytes);; target = std::min(2 * target, expected_bytes)) {
      ARCHIVED_RETURN_IF_ERROR(DecodeLz4(body->bytes, target, expected_bytes, out));
      if (target == expected_bytes) return OkStatus();
      if (enough(std::string_view(out->data(), target))) {
        out->resize(target);
        return OkStatus();
      }
    }
  }
  ZSTD_DCtx* dctx = Decompressor();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer input{body->bytes.data(), body->bytes.size(), 0};
  // A step of output at a time: zstd decodes whole blocks (up to 128 KiB), then hands them
  // out a step at a time.
  constexpr std::size_t kStepBytes = 1024;
  ZSTD_outBuffer output{out->data(), 0, 0};
  while (true) {
    output.size = std::min(expected_bytes, output.pos + kStepBytes);
    const std::size_t before = output.pos;
    const std::size_t left = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(left)) return DataLossError("compressed chunk does not decompress");
    if (left == 0) break;  // the frame is complete
    if (output.pos == before && input.pos == input.size) return DataLossError("compressed chunk is cut short");
    if (output.pos > before && enough(std::string_view(out->data(), output.pos))) {
      out->resize(output.pos);
      return OkStatus();
    }
  }
  if (output.pos != expected_bytes || input.pos != input.size) {
    return DataLossError("compressed chunk does not decompress");
  }
  return OkStatus();
}

}  // namespace archived::codec
