using Microsoft.Extensions.Logging;

namespace Dreaming.Cli.Commands;

/// <summary>The console log of <c>dreaming view</c>: one line per entry on the tool's output (<c>info: ...</c>, as the
/// console logger's simple format begins), at the levels <see cref="ViewCommand"/> filters to: what the tool serves, and each
/// action a user takes in the view (<c>Dreaming.AgentView</c>, with the user's name); warnings and errors of the server.</summary>
/// <param name="output">The tool's output (terminal-safe).</param>
internal sealed class ViewLog(TextWriter output) : ILoggerProvider
{
    private readonly Lock _lock = new();

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var prefix = level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        lock (_lock)
        {
            output.WriteLine(exception is null ? $"{prefix}: {message}" : $"{prefix}: {message} {exception}");
            output.Flush();
        }
    }

    private sealed class Logger(ViewLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
