#include "deeprc/agent/resources.h"

#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "deeprc/core/subprocess.h"

namespace deeprc::agent {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

int64_t PhysicalMemoryMib() {
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE) / (1024 * 1024);
}

std::vector<std::string> VisibleGpus() {
  if (const char* cuda = std::getenv("CUDA_VISIBLE_DEVICES"); cuda != nullptr) {
    std::vector<std::string> ids;
    for (const auto& id : Split(cuda, ',')) {
      if (id == "-1" || id == "NoDevFiles") break;  // CUDA's own "no GPU" spellings
      ids.push_back(id);
    }
    return ids;
  }
  std::vector<std::string> ids;
  std::error_code error;
  static const std::regex kDevice("nvidia([0-9]+)");
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    std::smatch match;
    std::string name = entry.path().filename().string();
    if (std::regex_match(name, match, kDevice)) ids.push_back(match[1]);
  }
  std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return std::stoi(a) < std::stoi(b); });
  return ids;
}

Result<std::vector<std::string>> SlurmHostnames(const std::string& nodelist) {
  auto output = RunForOutput({"scontrol", "show", "hostnames", nodelist});
  if (!output.ok()) {
    return Status::IOError("scontrol show hostnames '", nodelist, "' failed: ", output.status().message());
  }
  return Split(*output, '\n');
}

}  // namespace

int AgentResources::total_cores() const {
  int total = 0;
  for (const auto& node : nodes) total += node.cores;
  return total;
}

nlohmann::json AgentResources::ToJson() const {
  auto json = nlohmann::json{{"slurm", slurm}, {"nodes", nlohmann::json::array()}};
  for (const auto& node : nodes) {
    json["nodes"].push_back({{"name", node.name},
                             {"cores", node.cores},
                             {"cpu_ids", node.cpu_ids},
                             {"gpus", node.gpus},
                             {"gpu_ids", node.gpu_ids},
                             {"mem_mib", node.mem_mib}});
  }
  return json;
}

Result<AgentResources> DiscoverLocal(const pilot::PilotDescription& description) {
  NodeResources node;
  char host[256] = "localhost";
  ::gethostname(host, sizeof(host));
  node.name = host;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
    return Status::IOError("sched_getaffinity failed");
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) node.cpu_ids.push_back(cpu);
  }
  node.cores = description.cores > 0 ? description.cores : static_cast<int>(node.cpu_ids.size());
  auto gpus = VisibleGpus();
  if (description.gpus > static_cast<int>(gpus.size())) {
    return Status::Invalid("the pilot asks for ", description.gpus, " GPUs but this machine shows ",
                           gpus.size());
  }
  gpus.resize(description.gpus);
  node.gpus = description.gpus;
  node.gpu_ids = gpus;
  node.mem_mib = PhysicalMemoryMib();
  AgentResources resources;
  resources.nodes.push_back(std::move(node));
  return resources;
}

Result<std::vector<int>> ParseSlurmCounts(const std::string& text) {
  static const std::regex kItem("([0-9]+)(\\(x([0-9]+)\\))?");
  std::vector<int> counts;
  for (const auto& item : Split(text, ',')) {
    std::smatch match;
    if (!std::regex_match(item, match, kItem))
      return Status::Invalid("cannot parse Slurm count list '", text, "'");
    int repeat = match[3].matched ? std::stoi(match[3]) : 1;
    counts.insert(counts.end(), repeat, std::stoi(match[1]));
  }
  return counts;
}

namespace {

Result<AgentResources> DiscoverSlurmUnchecked(const pilot::PilotDescription& description) {
  const std::string nodelist = Env("SLURM_JOB_NODELIST");
  if (nodelist.empty()) return Status::Invalid("not inside a Slurm job: SLURM_JOB_NODELIST is not set");
  DEEPRC_ASSIGN_OR_RETURN(auto names, SlurmHostnames(nodelist));
  DEEPRC_ASSIGN_OR_RETURN(auto cpus, ParseSlurmCounts(Env("SLURM_JOB_CPUS_PER_NODE")));
  if (cpus.size() != names.size()) {
    return Status::Invalid("Slurm lists ", names.size(), " nodes but CPU counts for ", cpus.size());
  }
  const std::string gpus_env = Env("SLURM_GPUS_ON_NODE");
  const int gpus = gpus_env.empty() ? description.gpus : std::stoi(gpus_env);
  const std::string mem_env = Env("SLURM_MEM_PER_NODE");
  AgentResources resources;
  resources.slurm = true;
  for (size_t i = 0; i < names.size(); ++i) {
    NodeResources node;
    node.name = names[i];
    node.cores = description.cores > 0 ? description.cores : cpus[i];
    node.gpus = gpus;
    for (int g = 0; g < gpus; ++g) node.gpu_ids.push_back(std::to_string(g));
    node.mem_mib = mem_env.empty() ? PhysicalMemoryMib() : std::stoll(mem_env);
    resources.nodes.push_back(std::move(node));
  }
  return resources;
}

}  // namespace

Result<AgentResources> DiscoverSlurm(const pilot::PilotDescription& description) {
  try {
    return DiscoverSlurmUnchecked(description);
  } catch (const std::logic_error& error) {  // std::stoi on a malformed SLURM_* variable
    return Status::Invalid("cannot read the Slurm environment: ", error.what());
  }
}

}  // namespace deeprc::agent
