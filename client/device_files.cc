#include "client/device_files.h"

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>

#include "protocol/file_io.h"

namespace cw::client {
namespace {

constexpr std::string_view kDomain = "casewire-device-files-v1";
constexpr std::string_view kPrefix = "cwdf1 ";

Bytes ad_for(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  ByteWriter w;
  w.raw(kDomain).u8(0).raw(name);
  return w.take();
}

}  // namespace

DeviceFiles::DeviceFiles(const Identity& id) : key_(crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
  init_crypto();
  const auto seed = id.sign.seed();
  crypto_generichash(key_.data(), key_.size(),
                     reinterpret_cast<const unsigned char*>(kDomain.data()), kDomain.size(),
                     seed.data(), seed.size());
}

std::string DeviceFiles::name_for(ByteView what) const {
  std::uint8_t h[16];
  crypto_generichash(h, sizeof h, what.data(), what.size(), key_.data(), key_.size());
  return to_hex(ByteView(h, sizeof h));
}

Status DeviceFiles::write(const std::string& path, std::string_view plaintext) const {
  const Bytes ad = ad_for(path);
  Bytes box(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
            crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(box.data(), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      box.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, nullptr,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(), ad.data(),
      ad.size(), nullptr, box.data(), key_.data());
  const std::string text = std::string(kPrefix) + to_base64(box) + "\n";
  return write_file_atomic(path, as_bytes(text), S_IRUSR | S_IWUSR, Overwrite::yes);
}

Result<SecretBytes> DeviceFiles::read(const std::string& path) const {
  auto text = read_file(path, 1 << 20);
  if (!text) return text.error();
  std::string_view t = as_chars(*text);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
  if (t.substr(0, kPrefix.size()) != kPrefix)
    return make_error(Errc::bad_key_file, path + " is not a sealed device file");
  auto box = from_base64(t.substr(kPrefix.size()));
  constexpr std::size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!box || box->size() < kOverhead) return make_error(Errc::bad_key_file, path + " is damaged");
  const Bytes ad = ad_for(path);
  SecretBytes plain(box->size() - kOverhead);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), nullptr, nullptr,
          box->data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          box->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad.data(), ad.size(),
          box->data(), key_.data()) != 0)
    return make_error(
        Errc::bad_key_file,
        path + " does not open with this device's key (another device's, or altered)");
  return plain;
}

}  // namespace cw::client
