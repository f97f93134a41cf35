using Microsoft.Extensions.Options;

namespace Dreaming.Cli.Commands;

/// <summary>Turns the errors a user can cause into one line on standard error and exit code 1.</summary>
internal static class CommandErrors
{
    /// <summary>The exit code of a command cancelled by Ctrl+C (SIGINT) or SIGTERM: 128 + SIGINT, as shells report it.</summary>
    public const int CanceledExitCode = 130;

    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TraceStoreException or SessionImportException or RubricException or ArgumentException or IOException
            or UnauthorizedAccessException or OptionsValidationException or InvalidOperationException or KeyNotFoundException or PlanValidationException
            or HttpRequestException or System.ClientModel.ClientResultException or AggregateException)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("canceled").ConfigureAwait(false);
            return CanceledExitCode;
        }
    }
}
