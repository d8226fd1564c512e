#include "deeprc/pilot/session_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "deeprc/core/json_file.h"

namespace deeprc::pilot {
namespace {

Status KeyPair(std::string& public_key, std::string& secret_key) {
  char public_text[41], secret_text[41];
  if (zmq_curve_keypair(public_text, secret_text) != 0) {
    return Status::IOError("cannot generate CURVE keys: ", zmq_strerror(zmq_errno()),
                           " (libzmq built without CURVE?)");
  }
  public_key = public_text;
  secret_key = secret_text;
  return Status::OK();
}

}  // namespace

Result<SessionKeys> SessionKeys::Generate() {
  SessionKeys keys;
  DEEPRC_RETURN_NOT_OK(KeyPair(keys.server_public, keys.server_secret));
  DEEPRC_RETURN_NOT_OK(KeyPair(keys.client_public, keys.client_secret));
  return keys;
}

Status SessionKeys::Write(const std::string& path) const {
  const std::string text = nlohmann::json{
      {"server_public", server_public},
      {"server_secret", server_secret},
      {"client_public", client_public},
      {"client_secret",
       client_secret}}.dump();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create secret file '", path, "': ", std::strerror(errno));
  ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    return Status::IOError("cannot write secret file '", path, "'");
  return Status::OK();
}

Result<SessionKeys> SessionKeys::Read(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    return Status::IOError("cannot read secret file '", path, "': ", std::strerror(errno));
  }
  if ((info.st_mode & 077) != 0) {
    return Status::Invalid("secret file '", path, "' may be read by others (mode ", std::oct,
                           info.st_mode & 0777, "); it must be 0600");
  }
  auto read = ReadJsonFile(path);
  if (!read.ok()) return Status::Invalid("malformed secret file: ", read.status().message());
  const nlohmann::json& json = *read;
  try {
    SessionKeys keys;
    keys.server_public = json.at("server_public").get<std::string>();
    keys.server_secret = json.at("server_secret").get<std::string>();
    keys.client_public = json.at("client_public").get<std::string>();
    keys.client_secret = json.at("client_secret").get<std::string>();
    return keys;
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid("malformed secret file '", path, "': ", error.what());
  }
}

}  // namespace deeprc::pilot
