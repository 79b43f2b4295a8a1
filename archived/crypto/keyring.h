// Keyring: the master keys (key-encrypting keys, KEKs) that wrap the archive's data keys.
// Normally it holds one; during a master-key rotation it holds two, the current one and the
// next one, and the next one wraps every new data key. Each KEK has an id (the first 8 bytes
// of SHA-256 over a domain tag and the key), and a wrapped data key is stored as
// `id || RFC 5649 wrap`, so that every record names the KEK that opens it. Records written
// before ids existed (the bare 40-byte wrap) are opened by trying each KEK; RFC 5649's
// integrity check makes a wrong key fail. Thread-safe.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "archived/base/status.h"
#include "archived/crypto/crypto.h"

namespace archived::crypto {

inline constexpr std::size_t kKeyIdBytes = 8;

// The id of a KEK, as 16 hex digits. Errors: none in practice (kInternal from SHA-256).
std::string KeyIdHex(const SecretKey& kek);

class Keyring {
 public:
  explicit Keyring(SecretKey current);
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Starts a rotation: `next` wraps new data keys from now on. Errors: kFailedPrecondition if
  // a rotation is already under way, kInvalidArgument if `next` is the current key.
  Status BeginRotation(SecretKey next);
  // Ends it: the next key becomes the current one and the old key is wiped from memory.
  // Errors: kFailedPrecondition when no rotation is under way.
  Status FinishRotation();
  bool rotating() const;
  std::string current_id() const;  // hex
  std::string next_id() const;     // hex; empty unless rotating
  // The id (hex) of the key that Wrap uses: the next key while rotating, else the current.
  std::string wrapping_id() const;

  // `data_key` wrapped for the vault under the wrapping key. Errors: kInternal.
  StatusOr<std::string> Wrap(const SecretKey& data_key) const;
  // Opens a vault record. Errors: kDataLoss when no key of the ring opens it (altered record,
  // or a KEK that is not here).
  StatusOr<SecretKey> Unwrap(std::string_view record) const;
  // True if the record is wrapped by the wrapping key (a rotation has nothing to do for it).
  bool IsCurrent(std::string_view record) const;
  // A key derived from one of the ring's KEKs with HKDF-SHA-256 (RFC 5869), for sealing
  // something other than data keys (backups): `kek_id` is the hex id of the KEK (empty: the
  // wrapping key), `salt` and `info` as in HKDF. `used_id` gets the hex id of the KEK used.
  // Errors: kNotFound when no key of the ring has that id; kInternal.
  StatusOr<SecretKey> Derive(std::string_view kek_id, std::string_view salt, std::string_view info,
                             std::string* used_id = nullptr) const;
  // The record opened and wrapped again under the wrapping key. Errors: as Unwrap and Wrap.
  StatusOr<std::string> Rewrap(std::string_view record) const;

 private:
  struct Entry {
    SecretKey key;
    std::string id;  // raw, kKeyIdBytes
  };
  const Entry& WrappingLocked() const { return next_ ? *next_ : *current_; }
  mutable std::shared_mutex mu_;
  std::optional<Entry> current_;  // always set; optional only to be replaceable
  std::optional<Entry> next_;
};

}  // namespace archived::crypto
