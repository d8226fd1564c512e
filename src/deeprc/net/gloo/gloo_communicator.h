// The Gloo backend: a Communicator over a gloo::Context on Gloo's TCP device. The context is
// rendezvoused through a FileStore directory, or bootstrapped over an existing Communicator
// (e.g. MPI under mpirun) by exchanging the pairs' addresses. Gloo's exceptions end here.
#pragma once

#include <map>
#include <string>

#include "deeprc/net/communicator.h"

namespace gloo {
class Context;
}

namespace deeprc::net {

struct GlooOptions {
  // Interface address Gloo's TCP device binds; loopback suits one node.
  std::string hostname = "127.0.0.1";
  std::chrono::milliseconds timeout{60'000};
};

class GlooCommunicator : public Communicator {
 public:
  // Every rank calls this with the same directory; the directory must exist and be fresh (or the
  // prefix new) for each rendezvous.
  static Result<std::shared_ptr<GlooCommunicator>> FromFileStore(int rank, int size,
                                                                 const std::string& directory,
                                                                 const std::string& prefix,
                                                                 const GlooOptions& options = {});
  // Builds a Gloo context over the same ranks as `bootstrap` (rank r of bootstrap is rank r here).
  static Result<std::shared_ptr<GlooCommunicator>> Over(Communicator& bootstrap,
                                                        const GlooOptions& options = {});

  ~GlooCommunicator() override;

  int rank() const override;
  int size() const override;
  std::string backend_name() const override { return "gloo"; }
  const std::shared_ptr<gloo::Context>& context() const { return context_; }

  Status Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) override;
  Status Barrier() override;
  Status AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) override;

 private:
  explicit GlooCommunicator(std::shared_ptr<gloo::Context> context);

  std::shared_ptr<gloo::Context> context_;
  // Messages to and from each peer are numbered; the number is the Gloo slot, so the k-th send
  // to a peer always meets that peer's k-th receive from us.
  std::map<int, uint64_t> sent_to_, received_from_;
};

}  // namespace deeprc::net
