#include "deeprc/pilot/session.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "deeprc/pilot/names.h"

namespace deeprc::pilot {
namespace {

std::string NewSessionUid() {
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d.%H%M%S", &utc);
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%04x", random() & 0xffff);
  return std::string("session.") + stamp + "." + suffix;
}

}  // namespace

Result<std::shared_ptr<Session>> Session::Create(const SessionOptions& options) {
  // A given uid becomes the folder name when no folder is given.
  if (!options.uid.empty()) DEEPRC_RETURN_NOT_OK(CheckName(options.uid, "session uid"));
  std::shared_ptr<Session> session(new Session());
  session->uid_ = options.uid.empty() ? NewSessionUid() : options.uid;
  session->dir_ =
      std::filesystem::absolute(options.dir.empty() ? std::filesystem::path("sessions") / session->uid_
                                                    : std::filesystem::path(options.dir));
  std::error_code error;
  std::filesystem::create_directories(session->dir_, error);
  if (error)
    return Status::IOError("cannot create session folder '", session->dir_.string(), "': ", error.message());
  DEEPRC_ASSIGN_OR_RETURN(session->keys_, SessionKeys::Generate());
  DEEPRC_RETURN_NOT_OK(session->keys_.Write(session->secret_file().string()));
  DEEPRC_ASSIGN_OR_RETURN(session->profiler_, Profiler::Open((session->dir_ / "client.prof").string()));
  return session;
}

std::string Session::NextUid(const std::string& prefix) {
  auto& counter = prefix == "task" ? next_task_ : prefix == "pilot" ? next_pilot_ : next_other_;
  char uid[64];
  std::snprintf(uid, sizeof(uid), prefix == "pilot" ? "%s.%04lld" : "%s.%06lld", prefix.c_str(),
                static_cast<long long>(counter++));
  return uid;
}

}  // namespace deeprc::pilot
