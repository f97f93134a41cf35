using System.Runtime.CompilerServices;

namespace Dreaming.Tests;

/// <summary>Finds the data sets in <c>../shared/data</c> beside the repository, for the opt-in tests that use them.</summary>
internal static class SharedData
{
    /// <summary>Returns the τ-bench airline file, or <see langword="null"/> when it is absent (a fresh clone has no shared folder).</summary>
    /// <remarks>Build output may live outside the repository (<c>--artifacts-path</c>), so the search also starts from
    /// this source file and the working directory.</remarks>
    public static string? TauBenchAirline([CallerFilePath] string sourceFile = "")
    {
        string[] starts = [Path.GetDirectoryName(sourceFile) ?? string.Empty, AppContext.BaseDirectory, Environment.CurrentDirectory];
        foreach (var start in starts.Where(Directory.Exists))
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Dreaming.Core.sln")))
                {
                    var path = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "data", "tau-bench-airline", "gpt-4o-airline.json"));
                    if (File.Exists(path))
                    {
                        return path;
                    }

                    break;
                }
            }
        }

        return null;
    }
}
