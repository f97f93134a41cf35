using System.Diagnostics.CodeAnalysis;
using Dreaming;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses the <see cref="IMemoryStore"/> of an <see cref="IDreamingBuilder"/>.</summary>
/// <remarks><see cref="DreamingServiceCollectionExtensions.AddDreamingAgents(IServiceCollection, Action{DreamingOptions})"/> falls back to an <see cref="InMemoryMemoryStore"/>,
/// and <c>UseSqliteStore</c> keeps memory in the same database file as the traces.</remarks>
public static class MemoryStoreDreamingBuilderExtensions
{
    /// <summary>Uses a singleton <see cref="InMemoryMemoryStore"/> as the memory store, replacing any store registered before.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseInMemoryMemoryStore(this IDreamingBuilder builder) => builder.UseMemoryStore<InMemoryMemoryStore>();

    /// <summary>Uses a memory store of the given type, registered as a singleton, in place of any other.</summary>
    /// <typeparam name="TStore">The store type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseMemoryStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this IDreamingBuilder builder)
        where TStore : class, IMemoryStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton<IMemoryStore, TStore>();
        return builder;
    }

    /// <summary>Uses the memory store a factory creates, in place of any other.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the store once.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IDreamingBuilder UseMemoryStore(this IDreamingBuilder builder, Func<IServiceProvider, IMemoryStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IMemoryStore>();
        builder.Services.AddSingleton(factory);
        return builder;
    }
}
