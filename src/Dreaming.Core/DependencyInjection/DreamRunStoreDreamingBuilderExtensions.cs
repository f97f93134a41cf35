using System.Diagnostics.CodeAnalysis;
using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the <see cref="IDreamRunStore"/> of an <see cref="IDreamingBuilder"/>.</summary>
/// <remarks><see cref="DreamingServiceCollectionExtensions.AddDreamingAgents(IServiceCollection, Action{DreamingOptions})"/> falls back to an <see cref="InMemoryDreamRunStore"/>,
/// and <c>UseSqliteStore</c> keeps dream runs in the same database file as the traces. Prove a store of your own with
/// <c>DreamRunStoreConformanceTests</c> from Dreaming.Testing. Like the other stores, choose it before <c>AddWebhooks</c>,
/// which wraps the store registered at that point so that it announces dream runs.</remarks>
public static class DreamRunStoreDreamingBuilderExtensions
{
    /// <summary>Uses a dream run store of the given type, registered as a singleton, in place of any other.</summary>
    /// <typeparam name="TStore">The store type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseDreamRunStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IDreamingBuilder builder)
        where TStore : class, IDreamRunStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton<IDreamRunStore, TStore>();
        return builder;
    }

    /// <summary>Uses the dream run store a factory creates, in place of any other.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the store once.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseDreamRunStore(this IDreamingBuilder builder, Func<IServiceProvider, IDreamRunStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IDreamRunStore>();
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
