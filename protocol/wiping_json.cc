#include "protocol/wiping_json.h"

#include <boost/json/memory_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serializer.hpp>
#include <new>

#include "protocol/secret.h"

namespace cw {
namespace {

// Plain operator new/delete for every ordinary alignment (Boost.JSON asks for
// at most alignof(std::max_align_t)); the aligned forms only beyond that.
// Mixing an aligned new with a plain delete (or the reverse) is undefined -
// AddressSanitizer's new-delete-type-mismatch, found by fuzz_alert.
class WipingResource final : public boost::json::memory_resource {
  static bool over_aligned(std::size_t align) { return align > __STDCPP_DEFAULT_NEW_ALIGNMENT__; }
  void* do_allocate(std::size_t n, std::size_t align) override {
    return over_aligned(align) ? ::operator new(n, std::align_val_t(align)) : ::operator new(n);
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    wipe(p, n);
    if (over_aligned(align))
      ::operator delete(p, std::align_val_t(align));
    else
      ::operator delete(p);
  }
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace

boost::json::storage_ptr wiping_storage() {
  static WipingResource resource;  // stateless; lives for the whole process
  return boost::json::storage_ptr(&resource);
}

boost::json::value parse_json_wiping(std::string_view text, std::error_code& ec,
                                     const boost::json::parse_options& options) {
  // The parser's scratch space (escaped strings are assembled there) starts
  // in this stack buffer and spills into wiping storage.
  // (A value is returned as released, never assigned: assigning it to a
  // value in other storage would copy it out of the wiping resource.)
  unsigned char scratch[1024];
  struct ScratchWiper {
    unsigned char* b;
    std::size_t n;
    ~ScratchWiper() { wipe(b, n); }
  } scratch_wiper{scratch, sizeof scratch};
  boost::json::parser p(wiping_storage(), options, scratch, sizeof scratch);
  p.reset(wiping_storage());
  boost::system::error_code bec;
  p.write(text.data(), text.size(), bec);
  ec = bec;
  if (bec) return boost::json::value(wiping_storage());
  return p.release();
}

std::string serialize_wiping(const boost::json::value& v, std::size_t expected_size) {
  std::string out;
  out.reserve(expected_size);
  boost::json::serializer sr;
  sr.reset(&v);
  char buf[512];
  while (!sr.done()) {
    const auto piece = sr.read(buf, sizeof buf);
    if (out.size() + piece.size() > out.capacity()) {
      std::string bigger;
      bigger.reserve(2 * (out.size() + piece.size()));
      bigger.append(out);
      wipe_string(out);
      out.swap(bigger);
    }
    out.append(piece.data(), piece.size());
  }
  wipe(buf, sizeof buf);
  return out;
}

void wipe_string(std::string& s) {
  wipe(s.data(), s.capacity());
}

}  // namespace cw
