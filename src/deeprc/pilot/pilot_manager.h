// The PilotManager acquires resources: each Submit starts an agent on the local machine or as a
// Slurm job and returns its Pilot at once (PMGR_LAUNCHING); the pilot turns PMGR_ACTIVE when its
// agent answers.
#pragma once

#include <memory>
#include <vector>

#include "deeprc/pilot/pilot.h"
#include "deeprc/pilot/pilot_description.h"
#include "deeprc/pilot/session.h"

namespace deeprc::pilot {

class PilotManager {
 public:
  explicit PilotManager(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~PilotManager();  // closes the pilots still running: no agent or Slurm job outlives the manager

  Result<std::shared_ptr<Pilot>> Submit(const PilotDescription& description);
  const std::vector<std::shared_ptr<Pilot>>& pilots() const { return pilots_; }
  Status Close();

 private:
  std::shared_ptr<Session> session_;
  std::vector<std::shared_ptr<Pilot>> pilots_;
};

}  // namespace deeprc::pilot
