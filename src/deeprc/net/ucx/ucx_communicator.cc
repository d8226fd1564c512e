#include "deeprc/net/ucx/ucx_communicator.h"

#include <arrow/buffer.h>
#include <arrow/type.h>
#include <ucp/api/ucp.h>

#include <cstring>

#include "deeprc/net/progress.h"
#include "deeprc/net/reduce.h"

namespace deeprc::net {
namespace {

// Tag layout: the sender's rank in the high 24 bits, its message number to this peer below.
constexpr int kRankShift = 40;
constexpr ucp_tag_t kFullMask = ~ucp_tag_t{0};

ucp_tag_t MakeTag(int source, uint64_t sequence) {
  return (static_cast<ucp_tag_t>(source) << kRankShift) | (sequence & ((ucp_tag_t{1} << kRankShift) - 1));
}

Status CheckUcs(ucs_status_t status, const char* call) {
  if (status == UCS_OK) return Status::OK();
  return Status::IOError(call, " failed: ", ucs_status_string(status));
}

void CompletedCallback(void*, ucs_status_t, void*) {}

// Called by UCX when a peer's endpoint fails (the peer died or closed first). Requests on it
// complete with an error, which Exchange reports with the peer's rank, so nothing to do here;
// installing it keeps UCX from printing an error about an unhandled failure at shutdown.
void EndpointFailed(void*, ucp_ep_h, ucs_status_t) {}
void CompletedReceiveCallback(void*, ucs_status_t, const ucp_tag_recv_info_t*, void*) {}

}  // namespace

struct UcxCommunicator::State {
  ucp_context_h context = nullptr;
  ucp_worker_h worker = nullptr;
  std::vector<ucp_ep_h> endpoints;

  ~State() {
    for (ucp_ep_h endpoint : endpoints) {
      if (endpoint == nullptr) continue;
      // Forced close: no flush handshake with a peer that may already be gone.
      ucp_request_param_t param{};
      param.op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS;
      param.flags = UCP_EP_CLOSE_FLAG_FORCE;
      void* request = ucp_ep_close_nbx(endpoint, &param);
      if (UCS_PTR_IS_PTR(request)) {
        while (ucp_request_check_status(request) == UCS_INPROGRESS) ucp_worker_progress(worker);
        ucp_request_free(request);
      }
    }
    if (worker) ucp_worker_destroy(worker);
    if (context) ucp_cleanup(context);
  }
};

UcxCommunicator::UcxCommunicator(int rank, int size, std::unique_ptr<State> state)
    : rank_(rank), size_(size), state_(std::move(state)) {}

UcxCommunicator::~UcxCommunicator() = default;

Result<std::shared_ptr<UcxCommunicator>> UcxCommunicator::Over(Communicator& bootstrap) {
  auto state = std::make_unique<State>();
  ucp_params_t params{};
  params.field_mask = UCP_PARAM_FIELD_FEATURES;
  params.features = UCP_FEATURE_TAG;
  ucp_config_t* config = nullptr;
  DEEPRC_RETURN_NOT_OK(CheckUcs(ucp_config_read(nullptr, nullptr, &config), "ucp_config_read"));
  const ucs_status_t init = ucp_init(&params, config, &state->context);
  ucp_config_release(config);
  DEEPRC_RETURN_NOT_OK(CheckUcs(init, "ucp_init"));

  ucp_worker_params_t worker_params{};
  worker_params.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
  worker_params.thread_mode = UCS_THREAD_MODE_SINGLE;
  DEEPRC_RETURN_NOT_OK(
      CheckUcs(ucp_worker_create(state->context, &worker_params, &state->worker), "ucp_worker_create"));

  ucp_address_t* address = nullptr;
  size_t address_length = 0;
  DEEPRC_RETURN_NOT_OK(
      CheckUcs(ucp_worker_get_address(state->worker, &address, &address_length), "ucp_worker_get_address"));
  auto addresses = bootstrap.AllGather({reinterpret_cast<const uint8_t*>(address), address_length});
  ucp_worker_release_address(state->worker, address);
  DEEPRC_RETURN_NOT_OK(WithContext(addresses.status(), "exchanging UCX worker addresses: "));

  state->endpoints.assign(bootstrap.size(), nullptr);
  for (int peer = 0; peer < bootstrap.size(); ++peer) {
    if (peer == bootstrap.rank()) continue;
    ucp_ep_params_t ep_params{};
    ep_params.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS | UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE |
                           UCP_EP_PARAM_FIELD_ERR_HANDLER;
    ep_params.err_handler.cb = EndpointFailed;
    ep_params.address = reinterpret_cast<const ucp_address_t*>((*addresses)[peer]->data());
    // No UCX error handling: peer mode admits only transports that can report a lost peer (TCP),
    // which shut out shared memory and cost 7x in all-to-all bandwidth on one node (0.5 vs 3.6
    // GB/s per rank measured). A lost peer is found by our own deadline on every wait instead.
    ep_params.err_mode = UCP_ERR_HANDLING_MODE_NONE;
    DEEPRC_RETURN_NOT_OK(
        CheckUcs(ucp_ep_create(state->worker, &ep_params, &state->endpoints[peer]), "ucp_ep_create"));
  }
  auto comm = std::shared_ptr<UcxCommunicator>(
      new UcxCommunicator(bootstrap.rank(), bootstrap.size(), std::move(state)));
  comm->set_timeout(bootstrap.timeout());
  // Endpoints are wired lazily; a barrier makes sure every rank has its endpoints before use.
  DEEPRC_RETURN_NOT_OK(bootstrap.Barrier());
  return comm;
}

Status UcxCommunicator::Exchange(std::span<const SendSpec> all_sends, std::span<const RecvSpec> all_recvs) {
  std::vector<SendSpec> sends;
  std::vector<RecvSpec> recvs;
  DEEPRC_RETURN_NOT_OK(DeliverToSelf(all_sends, all_recvs, &sends, &recvs));
  struct Pending {
    void* request;
    int peer;
  };
  std::vector<Pending> pending;
  auto track = [&](void* request, int peer, const char* call) -> Status {
    if (UCS_PTR_IS_ERR(request)) {
      return Status::IOError("rank ", rank_, ": ", call, " to rank ", peer,
                             " failed: ", ucs_status_string(UCS_PTR_STATUS(request)));
    }
    if (request != nullptr) pending.push_back({request, peer});
    return Status::OK();
  };
  for (const auto& recv : recvs) {
    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK;
    param.cb.recv = CompletedReceiveCallback;
    void* request = ucp_tag_recv_nbx(state_->worker, recv.data, static_cast<size_t>(recv.size),
                                     MakeTag(recv.peer, received_from_[recv.peer]++), kFullMask, &param);
    DEEPRC_RETURN_NOT_OK(track(request, recv.peer, "ucp_tag_recv_nbx"));
  }
  for (const auto& send : sends) {
    ucp_request_param_t param{};
    param.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK;
    param.cb.send = CompletedCallback;
    void* request =
        ucp_tag_send_nbx(state_->endpoints.at(send.peer), send.data, static_cast<size_t>(send.size),
                         MakeTag(rank_, sent_to_[send.peer]++), &param);
    DEEPRC_RETURN_NOT_OK(track(request, send.peer, "ucp_tag_send_nbx"));
  }

  Status failure;
  size_t remaining = pending.size();
  DEEPRC_ASSIGN_OR_RETURN(bool finished, PollUntil(Clock::now() + timeout(), [&]() -> Result<bool> {
                            while (ucp_worker_progress(state_->worker) != 0) {
                            }
                            for (auto& transfer : pending) {
                              if (transfer.request == nullptr) continue;
                              const ucs_status_t status = ucp_request_check_status(transfer.request);
                              if (status == UCS_INPROGRESS) continue;
                              if (status != UCS_OK && failure.ok()) {
                                failure = Status::IOError(
                                    "rank ", rank_, ": transfer with rank ", transfer.peer,
                                    " failed (lost or not answering): ", ucs_status_string(status));
                              }
                              ucp_request_free(transfer.request);
                              transfer.request = nullptr;
                              --remaining;
                            }
                            return remaining == 0 || !failure.ok();
                          }));
  if (!failure.ok()) return failure;
  if (finished) return Status::OK();
  std::string stalled;
  for (const auto& transfer : pending) {
    if (transfer.request == nullptr) continue;
    if (stalled.find("rank " + std::to_string(transfer.peer) + ",") == std::string::npos) {
      stalled += "rank " + std::to_string(transfer.peer) + ", ";
    }
  }
  return Status::IOError("rank ", rank_, ": exchange timed out after ", timeout().count(), " ms waiting for ",
                         stalled.substr(0, stalled.size() - 2), " (lost or not answering)");
}

Status UcxCommunicator::AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) {
  DEEPRC_RETURN_NOT_OK(CheckReducible(type));
  const int64_t bytes = count * type.byte_width();
  // Every rank gathers every contribution and reduces them in rank order, so all ranks compute
  // bit-identical results (the order matters for floating point).
  DEEPRC_ASSIGN_OR_RETURN(auto all,
                          AllGather({static_cast<const uint8_t*>(data), static_cast<size_t>(bytes)}));
  std::memcpy(data, all[0]->data(), bytes);
  for (int peer = 1; peer < size_; ++peer)
    DEEPRC_RETURN_NOT_OK(ReduceInto(data, all[peer]->data(), count, type, op));
  return Status::OK();
}

Status UcxCommunicator::Barrier() {
  int64_t token = 0;
  return AllReduce(&token, 1, *arrow::int64(), ReduceOp::kSum);
}

}  // namespace deeprc::net
