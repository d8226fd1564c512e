#include "deeprc/pipeline/plot.h"

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/executable.h"
#include "deeprc/core/subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;

// gnuplot strings are single-quoted; a quote inside is doubled.
std::string Quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

bool GnuplotAvailable() {
  static const bool available = !FindExecutable("gnuplot").empty();
  return available;
}

namespace {

// Runs gnuplot on `script` (kept beside `png` as .gp), which draws into `drawn`.
Status RunGnuplotInto(const std::string& script, const std::string& png, const std::string& drawn) {
  const std::string gnuplot = FindExecutable("gnuplot");
  if (gnuplot.empty()) return Status::IOError("gnuplot is not installed (apt-get install gnuplot-nox)");
  const std::string script_path = fs::path(png).replace_extension(".gp").string();
  const std::string log_path = fs::path(png).replace_extension(".gp.log").string();
  {
    std::ofstream out(script_path);
    out << script;
    if (!out) return Status::IOError("cannot write ", script_path);
  }
  // gnuplot's messages, stdout and stderr in one file, become the error when it fails.
  SpawnOptions options;
  options.stdout_path = log_path;
  options.duplicates = {{STDOUT_FILENO, STDERR_FILENO}};
  DEEPRC_ASSIGN_OR_RETURN(const pid_t pid, SpawnProcess({gnuplot, script_path}, options));
  DEEPRC_ASSIGN_OR_RETURN(const int status, WaitForProcess(pid));
  std::error_code error;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || fs::file_size(drawn, error) == 0 || error) {
    std::ifstream log(log_path);
    std::stringstream text;
    text << log.rdbuf();
    return Status::IOError("gnuplot failed on ", script_path, ": ", text.str());
  }
  fs::remove(log_path, error);
  return Status::OK();
}

}  // namespace

Status RunGnuplot(const std::string& terminal, const std::string& body, const std::string& png) {
  // gnuplot draws into a temporary that replaces `png` only once the plot is whole.
  return WriteFileAtomically(png, [&](const std::string& temporary) {
    return RunGnuplotInto(terminal + "\nset output " + Quoted(temporary) + "\n" + body, png, temporary);
  });
}

Status PlotForecast(const std::string& data, const std::string& png, const std::string& title) {
  std::stringstream script;
  script << "set datafile separator '\\t'\n"
         << "set xdata time\nset timefmt '%Y-%m-%dT%H:%M:%S'\nset format x '%m-%d'\n"
         << "set title " << Quoted(title) << "\n"
         << "set xlabel 'time (month-day)'\nset ylabel 'value'\nset grid\nset key top left\n"
         << "set autoscale xfix\n"
         << "plot " << Quoted(data) << " using 1:2 with lines lw 1.5 lc rgb '#333333' title 'truth', \\\n"
         << "     " << Quoted(data) << " using 1:3 with lines lw 1.5 lc rgb '#d62728' title 'forecast'\n";
  return RunGnuplot("set terminal pngcairo size 1200,450 font 'sans,10' noenhanced", script.str(), png);
}

Status PlotTimeline(const std::string& data, const std::string& png, const std::string& title, int rows) {
  const int height = std::max(250, 120 + 22 * rows);
  std::stringstream script;
  script << "set datafile separator '\\t'\n"
         << "set title " << Quoted(title) << "\n"
         << "set xlabel 'seconds since the pipeline started'\nset grid x\nunset key\nset xrange [0:*]\n"
         // The first task on top.
         << "set yrange [" << rows - 0.5 << ":-0.5]\nset ytics scale 0\nset offsets 0, graph 0.02, 0, 0\n"
         << "set style fill solid 0.8 border -1\n"
         // State colours: DONE green, FAILED red, CANCELED grey.
         << "color(s) = s eq 'DONE' ? 0x2ca02c : (s eq 'FAILED' ? 0xd62728 : 0x999999)\n"
         << "plot " << Quoted(data)
         << " using (($2+$3)/2):1:(($3-$2)/2):(0.35):(color(strcol(5))):ytic(4) with boxxyerror lc rgb "
            "variable\n";
  return RunGnuplot("set terminal pngcairo size 1200," + std::to_string(height) + " font 'sans,10' noenhanced",
                    script.str(), png);
}

}  // namespace deeprc::pipeline
