// PNG plots for reports, drawn by gnuplot (pngcairo) from data files the report writes beside
// them; without gnuplot the data files remain and the caller says so in the report.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

// Whether `gnuplot` is on the PATH (looked up once).
bool GnuplotAvailable();

// Writes `script` next to `png` (same name, .gp) and runs gnuplot on it; an error without gnuplot
// an error with gnuplot's message when it fails.
Status RunGnuplot(const std::string& script, const std::string& png);

// Truth against forecast over time: `data` holds "time truth forecast" rows (time as
// YYYY-MM-DDTHH:MM:SS, tab-separated).
Status PlotForecast(const std::string& data, const std::string& png, const std::string& title);

// Tasks over time: `data` holds "row start end label state" rows (seconds from the start,
// tab-separated), one horizontal bar per task, coloured by final state.
Status PlotTimeline(const std::string& data, const std::string& png, const std::string& title, int rows);

}  // namespace deeprc::pipeline
