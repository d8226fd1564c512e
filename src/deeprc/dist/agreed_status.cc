#include "deeprc/dist/agreed_status.h"

#include <arrow/buffer.h>

#include <string>

namespace deeprc::dist {

Status AgreeOnStatus(net::Communicator& comm, const Status& mine) {
  // A failing rank sends its status code (one byte) and message; a rank that succeeded, nothing.
  std::string encoded;
  if (!mine.ok()) encoded = static_cast<char>(mine.code()) + mine.message();
  DEEPRC_ASSIGN_OR_RETURN(auto all,
                          comm.AllGather({reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size()}));
  if (!mine.ok()) return mine;
  for (size_t rank = 0; rank < all.size(); ++rank) {
    if (all[rank]->size() == 0) continue;
    const std::string text = all[rank]->ToString();
    return Status(static_cast<arrow::StatusCode>(text[0]),
                  "rank " + std::to_string(rank) + ": " + text.substr(1));
  }
  return Status::OK();
}

}  // namespace deeprc::dist
