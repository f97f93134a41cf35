using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the session retention job to an <see cref="IDreamingBuilder"/>.</summary>
public static class SessionRetentionDreamingBuilderExtensions
{
    /// <summary>Purges, from a hosted service, the ended sessions that started more than <paramref name="maxAge"/> ago, at
    /// the host's start and then every <see cref="SessionRetentionOptions.Interval"/>, keeping by default those no dream has
    /// read yet (<see cref="SessionRetentionOptions.KeepUnreadSessions"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="maxAge">How long a session is kept (<see cref="SessionRetentionOptions.MaxAge"/>), such as 30 days.</param>
    /// <param name="configure">Sets the other <see cref="SessionRetentionOptions"/>, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>The options are validated when the host starts (<c>ValidateOnStart</c>): a <paramref name="maxAge"/> or an
    /// interval that is zero or negative fails the start with an <see cref="OptionsValidationException"/> naming the option.
    /// Calling it again replaces the maximum age and adds the callback. The job (<see cref="SessionRetention"/>) is
    /// registered under its own type too, so it can be resolved to run once by hand (<see cref="SessionRetention.RunOnceAsync"/>).</remarks>
    public static IDreamingBuilder AddSessionRetention(this IDreamingBuilder builder, TimeSpan maxAge, Action<SessionRetentionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<SessionRetentionOptions>().Configure(o => o.MaxAge = maxAge);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SessionRetentionOptions>, SessionRetentionOptionsValidator>());
        builder.Services.TryAddSingleton(static sp => new SessionRetention(
            sp.GetRequiredService<IOptions<SessionRetentionOptions>>().Value,
            sp.GetRequiredService<ITraceStore>(),
            sp.GetService<IDreamRunStore>(),
            sp.GetServices<DreamSchedule>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<SessionRetention>>())
        {
            // A crashed run it ends is heard by the host's observers, as a run's own end is: the webhook observer among them.
            OrchestrationObservers = [.. sp.GetServices<IOrchestrationObserver>()],
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionRetention>(static sp => sp.GetRequiredService<SessionRetention>()));
        return builder;
    }
}
