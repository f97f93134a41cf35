using Dreaming;
using Dreaming.AgentFramework;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Agents.AI;

/// <summary>Adds Dreaming's session-per-run middleware to a Microsoft Agent Framework agent pipeline.</summary>
public static class DreamingAgentBuilderExtensions
{
    /// <summary>Makes each run of the agent (<c>RunAsync</c> and <c>RunStreamingAsync</c>) one Dreaming session, unless a
    /// session is already ambient (an orchestration item's, or one the host started), in which case the run is passed
    /// through and recorded there.</summary>
    /// <param name="builder">The agent builder (<c>agent.AsBuilder()</c>).</param>
    /// <param name="configure">Sets the sessions' agent id, scope and task selector; called once, now.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// <para>Dreaming's services are resolved from the <see cref="IServiceProvider"/> given to
    /// <c>AIAgentBuilder.Build(services)</c>, where <c>AddDreamingAgents()</c> registered them; <c>Build</c> throws an
    /// <see cref="InvalidOperationException"/> naming <c>AddDreamingAgents()</c> when they are not there (also when
    /// <c>Build()</c> is given no provider).</para>
    /// <para>A run's session is started with the options' agent id (by default the agent's <c>Name</c>, else
    /// <c>DreamingOptions.AgentId</c>), its scope, and the task the task selector picks from the run's messages (by
    /// default the last user message's text; <c>(no user message)</c> when it finds none). It is ambient for the whole
    /// run, so a chat client with <c>UseDreaming()</c> under the agent records the run's model calls, tool calls and
    /// results in it. A run that returns ends its session <see cref="SessionStatus.Completed"/>; one that throws while its
    /// cancellation token is not cancelled ends it <see cref="SessionStatus.Failed"/> and its exception goes on to the
    /// caller (also when the session cannot be ended: a session the store could not create, which was logged, or a store
    /// that fails to end it, whose failure the session's disposal logs when it tries again); a cancelled run leaves it <see cref="SessionStatus.Abandoned"/>. A streamed run's session ends when its
    /// stream does: completed when it is read to its end, failed when it throws, abandoned when it is cancelled or
    /// disposed before its end (the consumer stopped reading, so the run did not finish; also when the inner stream's own
    /// disposal then throws, which goes on to the consumer). A run that returns awaits its
    /// session's completion, which throws <see cref="SessionNotFoundException"/> for a session the store could not
    /// create, as <see cref="IAgentSession.CompleteAsync"/> does.</para>
    /// <para>The built agent is safe for concurrent runs: each run has its own session, ambient in its own flow only.
    /// The agent adds no session of its own inside an ambient one, so it can be a step of an orchestration or of a
    /// workflow run inside a session.</para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option set by <paramref name="configure"/> is invalid (a blank or
    /// non-Unicode agent id or scope); the message names the option and its value.</exception>
    public static AIAgentBuilder UseDreamingSessions(this AIAgentBuilder builder, Action<DreamingAgentSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new DreamingAgentSessionOptions();
        configure?.Invoke(options);
        options.Validate(nameof(configure));

        // Read now, so a change to the options after this call does not reach the built agent.
        var agentId = options.AgentId;
        var scope = options.Scope;
        var taskSelector = options.TaskSelector ?? DreamingAgentSessionOptions.LastUserMessageText;
        return builder.Use((innerAgent, services) =>
        {
            var sessions = services.GetService<IAgentSessionFactory>();
            var current = services.GetService<IAgentSessionAccessor>();
            if (sessions is null || current is null)
            {
                throw new InvalidOperationException(
                    "UseDreamingSessions() needs Dreaming's services, but the IServiceProvider given to AIAgentBuilder.Build has no "
                    + (sessions is null ? nameof(IAgentSessionFactory) : nameof(IAgentSessionAccessor))
                    + ": call services.AddDreamingAgents() and pass the built provider to Build(services).");
            }

            var id = agentId
                ?? (string.IsNullOrWhiteSpace(innerAgent.Name) ? null : innerAgent.Name)
                ?? services.GetService<IOptions<DreamingOptions>>()?.Value.AgentId
                ?? new DreamingOptions().AgentId;
            return new DreamingSessionAgent(innerAgent, sessions, current, id, scope, taskSelector);
        });
    }
}
