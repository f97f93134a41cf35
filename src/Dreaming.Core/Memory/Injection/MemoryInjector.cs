using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Looks up the active memory of a session's agent and renders it for the session.</summary>
/// <remarks>Called once per session (the result is kept on the session), so an approval or a dream reaches every session
/// that starts after it without any cache to go stale.</remarks>
internal sealed partial class MemoryInjector
{
    private readonly IMemoryStore _memory;
    private readonly ILogger _logger;
    private readonly int _tokenBudget;

    public MemoryInjector(IMemoryStore memory, IOptions<DreamingOptions> options, ILogger<MemoryInjector>? logger = null)
    {
        _memory = memory;
        _tokenBudget = options.Value.MemoryTokenBudget;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Returns the memory to give the session, or <see langword="null"/> when there is none. Never throws for a
    /// store problem: the agent runs without its memory and the log says why.</summary>
    public async Task<InjectedMemory?> GetAsync(IAgentSession session, IEnumerable<string> toolNames, CancellationToken cancellationToken)
    {
        var scope = MemoryScope.Agent(session.AgentId);
        MemoryVersion? version;
        try
        {
            version = await _memory.GetActiveVersionAsync(scope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLookupFailed(_logger, scope.Key, ex);
            return null;
        }

        return version is null ? null : InsightRanker.Render(version, session.Task, toolNames, _tokenBudget);
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "The active memory of {Scope} could not be read; the session runs without it.")]
    private static partial void LogLookupFailed(ILogger logger, string scope, Exception exception);
}
