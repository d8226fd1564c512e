#include "deeprc/pilot/pilot_manager.h"

namespace deeprc::pilot {

PilotManager::~PilotManager() { (void)Close(); }

Result<std::shared_ptr<Pilot>> PilotManager::Submit(const PilotDescription& description) {
  DEEPRC_RETURN_NOT_OK(description.Validate());
  std::shared_ptr<Pilot> pilot(new Pilot(session_, session_->NextUid("pilot"), description));
  DEEPRC_RETURN_NOT_OK(WithContext(pilot->Launch(), "pilot ", pilot->uid(), ": "));
  pilots_.push_back(pilot);
  return pilot;
}

Status PilotManager::Close() {
  Status status;
  // Final pilots too: Close also joins a pilot's threads, which must end before the pilot does.
  for (auto& pilot : pilots_) status &= pilot->Close(PilotState::kDone);
  return status;
}

}  // namespace deeprc::pilot
