using System.Globalization;
using Microsoft.Extensions.Options;

namespace Dreaming.Cli.Commands;

/// <summary>Turns the errors a user can cause into one line on standard error and exit code 1.</summary>
internal static class CommandErrors
{
    /// <summary>The exit code of a command cancelled by Ctrl+C (SIGINT) or SIGTERM: 128 + SIGINT, as shells report it.</summary>
    public const int CanceledExitCode = 130;

    // What starts the SQLite stores' start-time message about a file's header (UTF-16, migrated by a newer build).
    private const string SqliteFileProblem = $"{nameof(Sqlite.SqliteTraceStoreOptions)}.{nameof(Sqlite.SqliteTraceStoreOptions.ConnectionString)}: ";

    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        // System.CommandLine registers its Ctrl+C and SIGTERM handlers only once the action has returned its task, that is
        // at the action's first real await. A command whose work completes synchronously (SQLite answers at once) would run
        // its whole first part unprotected, and a signal then killed the process (exit 130 or 143 from the signal, not from
        // the command), leaving its sessions running and a dream's lease held. Yielding first lets the handlers be
        // registered before any work starts.
        await Task.Yield();
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TraceStoreException or SessionImportException or RubricException or ArgumentException or IOException
            or UnauthorizedAccessException or OptionsValidationException or InvalidOperationException or KeyNotFoundException or PlanValidationException
            or HttpRequestException or System.ClientModel.ClientResultException or AggregateException)
        {
            if (ex is PlanValidationException { Problems.Count: > 1 } invalid)
            {
                // Every problem of the plan, each on its own line, so that the file can be fixed in one go; the first
                // line is the one a single problem gives.
                foreach (var problem in invalid.Problems)
                {
                    await error.WriteLineAsync("error: " + Output.Text.OneLine(problem.Message)).ConfigureAwait(false);
                }

                if (invalid.OmittedProblemCount > 0)
                {
                    await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"error: … and {invalid.OmittedProblemCount:N0} more {(invalid.OmittedProblemCount == 1 ? "problem" : "problems")}.")).ConfigureAwait(false);
                }

                return 1;
            }

            await error.WriteLineAsync("error: " + OneLine(ex)).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("canceled").ConfigureAwait(false);
            return CanceledExitCode;
        }
    }

    // One line, as promised: an ArgumentOutOfRangeException's message carries "(Parameter 'X')" and, on a line of its own,
    // "Actual value was V.".
    // The SQLite stores' start-time check of a file's header (UTF-16, migrated by a newer build) gives the store's own
    // message after the library's option, which a user of the tool never set (they gave --db): the store's message alone.
    private static string OneLine(Exception ex)
    {
        var message = ex switch
        {
            ArgumentException { ParamName: { } name } => ex.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal),
            OptionsValidationException { OptionsType: var type } options when type == typeof(Sqlite.SqliteTraceStoreOptions) =>
                string.Join("; ", options.Failures.Select(failure => failure.StartsWith(SqliteFileProblem, StringComparison.Ordinal) ? failure[SqliteFileProblem.Length..] : failure)),
            _ => ex.Message,
        };
        return Output.Text.OneLine(message);
    }
}
