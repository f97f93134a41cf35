using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the models of grading and dreaming on an <see cref="IDreamingBuilder"/>.</summary>
public static class OutcomesDreamingBuilderExtensions
{
    /// <summary>Uses a grader model for the model-judged criteria of rubrics: a separate <see cref="IChatClient"/>, which
    /// may be a different model from the agent's.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="graderClient">The grader's chat client. It may be the agent's pipeline, <c>UseDreaming()</c> included:
    /// the grader's calls pass through that middleware unrecorded and without memory.</param>
    /// <param name="configure">Optional grader options (samples for a majority vote, timeout, model id, temperature).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>Without a grader, model-judged criteria are reported as skipped and excluded from the score.</remarks>
    public static IDreamingBuilder AddGrader(this IDreamingBuilder builder, IChatClient graderClient, Action<ModelGraderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(graderClient);
        return builder.AddGrader(_ => graderClient, configure);
    }

    /// <summary>Uses a reflector model in dreams: it turns the strongest findings, with excerpts of the sessions, into
    /// specific lessons. Without one, lessons are written by template and dreaming stays offline.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="reflectorClient">The reflector's chat client. It may have <c>UseDreaming()</c>: the reflector's calls
    /// pass through that middleware unrecorded (no one-call session) and without memory.</param>
    /// <param name="maxFindings">How many of the strongest findings it reflects on; the rest get template lessons.</param>
    /// <param name="maxPairs">How many pairs of similar tasks (one failed, one passed) it is shown; 0 for none.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder AddReflector(this IDreamingBuilder builder, IChatClient reflectorClient, int maxFindings = 10, int maxPairs = 3)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(reflectorClient);
        builder.Services.RemoveAll<IDreamReflector>();
        builder.Services.AddSingleton<IDreamReflector>(new ModelReflector(reflectorClient, maxFindings, maxPairs));
        return builder;
    }

    /// <summary>Uses the reflector model a factory creates (once) in dreams, such as a chat client the host registered
    /// (<c>sp =&gt; sp.GetRequiredKeyedService&lt;IChatClient&gt;("reflector")</c>), whose pipeline, <c>UseDreaming()</c>
    /// included, is built from the container.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="reflectorClientFactory">Creates the reflector's chat client. It may have <c>UseDreaming()</c>: the
    /// reflector's calls pass through that middleware unrecorded (no one-call session) and without memory.</param>
    /// <param name="maxFindings">How many of the strongest findings it reflects on; the rest get template lessons.</param>
    /// <param name="maxPairs">How many pairs of similar tasks (one failed, one passed) it is shown; 0 for none.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxFindings"/> is below 1 or <paramref name="maxPairs"/>
    /// is negative. Thrown here, not when the first dream resolves the reflector.</exception>
    public static IDreamingBuilder AddReflector(this IDreamingBuilder builder, Func<IServiceProvider, IChatClient> reflectorClientFactory, int maxFindings = 10, int maxPairs = 3)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(reflectorClientFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFindings, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPairs);
        builder.Services.RemoveAll<IDreamReflector>();
        builder.Services.AddSingleton<IDreamReflector>(sp => new ModelReflector(
            reflectorClientFactory(sp) ?? throw new InvalidOperationException("The reflector client factory given to AddReflector returned null."),
            maxFindings,
            maxPairs));
        return builder;
    }

    /// <summary>Uses the grader model a factory creates (once) for the model-judged criteria of rubrics.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="graderClientFactory">Creates the grader's chat client.</param>
    /// <param name="configure">Optional grader options.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message names it. Thrown here, not when the grader is
    /// first used.</exception>
    public static IDreamingBuilder AddGrader(this IDreamingBuilder builder, Func<IServiceProvider, IChatClient> graderClientFactory, Action<ModelGraderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(graderClientFactory);
        var options = new ModelGraderOptions();
        configure?.Invoke(options);
        // Checked here, at registration, rather than when the first outcome resolves the grader.
        var validation = new ModelGraderOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(configure));
        }

        builder.Services.RemoveAll<ModelGrader>();
        builder.Services.AddSingleton(sp => new ModelGrader(
            graderClientFactory(sp),
            options,
            sp.GetService<ILogger<ModelGrader>>(),
            sp.GetService<TimeProvider>()));
        return builder;
    }
}
