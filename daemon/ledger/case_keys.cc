// Sealing the reporters' words: the one place under the store where an
// alert record in clear meets a key. Each case has its own random key,
// wrapped under the daemon's storage key; destroying the wrapped key (the
// purge) destroys every record sealed under it, whatever copies of the
// sealed rows remain (THREAT_MODEL "A seized server").
#include <sodium.h>

#include "daemon/keyring.h"
#include "daemon/ledger/coarse_time.h"
#include "daemon/ledger/ledger.h"

namespace cw::daemon::ledger {

Status seal_details(Rows& rows, const Keyring& keys, const Tag& case_tag, const WipedBytes& details,
                    std::int64_t now) {
  auto wrapped = rows.find_case_key(case_tag);
  if (!wrapped) return wrapped.error();
  CaseKey key;
  if (*wrapped) {
    // A key that does not unwrap is a damaged row or another daemon's key:
    // the batch stops rather than seal under a key nobody can open.
    if (auto st = keys.unwrap_case_key(**wrapped, case_tag, key); !st.ok())
      return make_error(Errc::store_unavailable, st.error().message);
  } else {
    randombytes_buf(key.data(), key.size());
    CW_TRY(rows.insert_case_key(case_tag, keys.wrap_case_key(key.view(), case_tag)));
  }
  CW_TRY(rows.touch_case_key(case_tag, hour_of(now)));
  auto n = rows.next_detail_number(case_tag);
  if (!n) return n.error();
  return rows.insert_detail(case_tag, *n,
                            seal_under(key.view(), details.view(), case_detail_ad(case_tag, *n)));
}

}  // namespace cw::daemon::ledger
