#include "deeprc/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>

namespace deeprc {
namespace {

namespace fs = std::filesystem;

// Closes the temporary's descriptor and removes the file unless it was renamed into place.
class Temporary {
 public:
  Temporary(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void MarkRenamed() { renamed_ = true; }

 private:
  int fd_;
  std::string path_;
  bool renamed_ = false;
};

// A new file beside `target`, hidden and not ending in the target's extension, so that nothing
// that lists or globs the folder for outputs takes it for one. O_EXCL with a random suffix (not
// mkstemp, which creates the file 0600) so the output gets the permissions the umask gives.
Result<std::unique_ptr<Temporary>> CreateTemporary(const fs::path& target) {
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device entropy;
  std::uniform_int_distribution<int> letter(0, sizeof(kLetters) - 2);
  int error = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string suffix(8, ' ');
    for (char& c : suffix) c = kLetters[letter(entropy)];
    const std::string path = (folder / ("." + target.filename().string() + ".tmp-" + suffix)).string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return std::make_unique<Temporary>(fd, path);
    error = errno;
    if (error != EEXIST) break;
  }
  return Status::IOError("cannot create a temporary file in '", folder.string(), "': ", std::strerror(error));
}

// The writer's error names the file it wrote, which is the temporary: name the target instead,
// which is what the user asked for.
Status NameTarget(const Status& status, const std::string& temporary, const std::string& target) {
  std::string message = status.message();
  for (size_t at = message.find(temporary); at != std::string::npos; at = message.find(temporary, at)) {
    message.replace(at, temporary.size(), target);
    at += target.size();
  }
  if (message.find(target) == std::string::npos) message = "cannot write '" + target + "': " + message;
  return status.WithMessage(message);
}

}  // namespace

Status WriteFileAtomically(const std::string& target,
                           const std::function<Status(const std::string& temporary)>& write) {
  std::error_code error;
  fs::path destination = target;
  // Writing through a link replaces what it points to, as opening the link for writing would.
  if (fs::is_symlink(destination, error)) destination = fs::weakly_canonical(destination, error);
  struct stat existing {};
  const bool exists = ::stat(destination.c_str(), &existing) == 0;
  if (exists && S_ISDIR(existing.st_mode)) {
    return Status::IOError("cannot write '", target, "': it is a folder");
  }
  if (exists && !S_ISREG(existing.st_mode)) {
    // A device or a pipe (/dev/stdout, a FIFO) cannot be replaced, and there is nothing to keep.
    return write(target);
  }

  DEEPRC_ASSIGN_OR_RETURN(auto temporary, WithContext(CreateTemporary(destination), "cannot write '", target, "': "));
  if (exists) ::fchmod(temporary->fd(), existing.st_mode & 07777);

  Status written;
  try {
    written = write(temporary->path());
  } catch (const std::exception& exception) {
    written = Status::IOError(exception.what());
  }
  if (!written.ok()) return NameTarget(written, temporary->path(), target);

  // On disk before the rename: otherwise a crash right after it may leave an empty target.
  if (::fsync(temporary->fd()) != 0) {
    return Status::IOError("cannot write '", target, "': fsync: ", std::strerror(errno));
  }
  if (::rename(temporary->path().c_str(), destination.c_str()) != 0) {
    return Status::IOError("cannot write '", target, "': renaming its temporary '", temporary->path(),
                           "' into place: ", std::strerror(errno));
  }
  temporary->MarkRenamed();
  // The rename itself is durable once the folder is synced; the target is whole either way, so a
  // folder that cannot be synced (some network file systems) is no error.
  const fs::path folder = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd >= 0) {
    (void)::fsync(folder_fd);
    ::close(folder_fd);
  }
  return Status::OK();
}

Status WriteTextFileAtomically(const std::string& target, std::string_view text) {
  return WriteFileAtomically(target, [&](const std::string& temporary) -> Status {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return Status::IOError(temporary, ": ", std::strerror(errno));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int saved = errno;
        ::close(fd);
        return Status::IOError(temporary, ": ", std::strerror(saved));
      }
      done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) return Status::IOError(temporary, ": ", std::strerror(errno));
    return Status::OK();
  });
}

}  // namespace deeprc
