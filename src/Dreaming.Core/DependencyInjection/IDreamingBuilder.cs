namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the services added by <see cref="DreamingServiceCollectionExtensions.AddDreamingAgents(IServiceCollection, Action{Dreaming.DreamingOptions})"/>.</summary>
public interface IDreamingBuilder
{
    /// <summary>Gets the service collection the library registers into.</summary>
    IServiceCollection Services { get; }
}
