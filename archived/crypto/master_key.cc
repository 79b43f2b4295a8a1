#include "archived/crypto/master_key.h"

#include <sstream>

#include "archived/base/bytes.h"
#include "archived/base/files.h"
#include "archived/base/status_macros.h"

namespace archived::crypto {
namespace {

// A sealed key file, one field per line:
//   archived-master-key 1
//   scrypt <n> <r> <p> <salt hex>
//   sealed <nonce hex> <AES-256-GCM of the key, hex>
constexpr std::string_view kMagic = "archived-master-key 1";
constexpr std::string_view kAssociatedData = "archived.master-key.v1";
constexpr std::uint64_t kMaxScryptN = 1 << 22;  // refuse files that would make us allocate GBs

StatusOr<SecretKey> PassphraseKey(const std::string& passphrase, std::string_view salt, std::uint64_t n,
                                  std::uint32_t r, std::uint32_t p) {
  ARCHIVED_ASSIGN_OR_RETURN(std::string bytes, Scrypt(passphrase, salt, n, r, p, kKeyBytes));
  return SecretKey::FromBytes(bytes);
}

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

StatusOr<std::string> EncodeMasterKeyFile(const MasterKeyFiles& files, const SecretKey& key) {
  if (files.passphrase.empty()) {
    return HexEncode(key.bytes()) + "\n";
  }
  ARCHIVED_ASSIGN_OR_RETURN(const std::string salt, RandomBytes(16));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string nonce, RandomBytes(kNonceBytes));
  ARCHIVED_ASSIGN_OR_RETURN(const SecretKey wrapping,
                            PassphraseKey(files.passphrase, salt, files.scrypt_n, files.scrypt_r, files.scrypt_p));
  ARCHIVED_ASSIGN_OR_RETURN(const std::string sealed, SealAes256Gcm(wrapping, nonce, key.bytes(), kAssociatedData));
  return std::string(kMagic) + "\nscrypt " + std::to_string(files.scrypt_n) + " " + std::to_string(files.scrypt_r) +
         " " + std::to_string(files.scrypt_p) + " " + HexEncode(salt) + "\nsealed " + HexEncode(nonce) + " " +
         HexEncode(sealed) + "\n";
}

StatusOr<SecretKey> DecodeMasterKeyFile(const MasterKeyFiles& files, const std::string& text,
                                        const std::filesystem::path& path) {
  const std::string name = "master key file \"" + path.string() + "\"";
  if (!text.starts_with(kMagic)) {
    if (!files.passphrase.empty()) {
      return FailedPreconditionError(name + " is not protected by a passphrase, but a passphrase was given");
    }
    const std::optional<std::string> raw = HexDecode(Trimmed(text));
    if (!raw || raw->size() != kKeyBytes) {
      return DataLossError(name + " does not hold a 256-bit hex key");
    }
    return SecretKey::FromBytes(*raw);
  }
  if (files.passphrase.empty()) {
    return FailedPreconditionError(name + " is protected by a passphrase: give --passphrase-file (or "
                                          "keys.passphrase_file)");
  }
  std::istringstream in(text.substr(kMagic.size()));
  std::string scrypt_word, sealed_word, salt_hex, nonce_hex, sealed_hex;
  std::uint64_t n = 0;
  std::uint32_t r = 0, p = 0;
  in >> scrypt_word >> n >> r >> p >> salt_hex >> sealed_word >> nonce_hex >> sealed_hex;
  const std::optional<std::string> salt = HexDecode(salt_hex);
  const std::optional<std::string> nonce = HexDecode(nonce_hex);
  const std::optional<std::string> sealed = HexDecode(sealed_hex);
  if (!in || scrypt_word != "scrypt" || sealed_word != "sealed" || !salt || !nonce || !sealed || n < 2 ||
      n > kMaxScryptN || (n & (n - 1)) != 0 || r == 0 || r > 64 || p == 0 || p > 16) {
    return DataLossError(name + " is malformed");
  }
  ARCHIVED_ASSIGN_OR_RETURN(const SecretKey wrapping, PassphraseKey(files.passphrase, *salt, n, r, p));
  StatusOr<std::string> key = OpenAes256Gcm(wrapping, *nonce, *sealed, kAssociatedData);
  if (!key.ok()) {
    return UnauthenticatedError(name + ": wrong passphrase (or the file was altered)");
  }
  return SecretKey::FromBytes(*key);
}

StatusOr<MasterKeys> LoadOrCreateMasterKeys(const MasterKeyFiles& files) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::optional<std::string> current_text,
                            ReadPrivateFile(files.current, "master key file"));
  ARCHIVED_ASSIGN_OR_RETURN(const std::optional<std::string> next_text, ReadPrivateFile(files.next, "master key file"));
  if (!current_text && next_text) {
    return DataLossError("master key file \"" + files.current.string() + "\" is missing but \"" + files.next.string() +
                         "\" exists: restore master.key from your copy");
  }
  if (!current_text) {
    ARCHIVED_ASSIGN_OR_RETURN(SecretKey key, SecretKey::Generate());
    ARCHIVED_ASSIGN_OR_RETURN(const std::string text, EncodeMasterKeyFile(files, key));
    ARCHIVED_RETURN_IF_ERROR(WriteSecretFile(files.current, text));
    return MasterKeys{.current = std::move(key), .next = std::nullopt, .created = true};
  }
  ARCHIVED_ASSIGN_OR_RETURN(SecretKey current, DecodeMasterKeyFile(files, *current_text, files.current));
  MasterKeys keys{.current = std::move(current), .next = std::nullopt, .created = false};
  if (next_text) {
    ARCHIVED_ASSIGN_OR_RETURN(SecretKey next, DecodeMasterKeyFile(files, *next_text, files.next));
    keys.next = std::move(next);
  }
  return keys;
}

Status WriteNextMasterKey(const MasterKeyFiles& files, const SecretKey& key) {
  ARCHIVED_ASSIGN_OR_RETURN(const std::string text, EncodeMasterKeyFile(files, key));
  return WriteSecretFile(files.next, text);
}

Status PromoteNextMasterKey(const MasterKeyFiles& files) { return RenameDurably(files.next, files.current); }

}  // namespace archived::crypto
