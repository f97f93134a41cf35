using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Embeddings of lesson texts, so curation can merge lessons that say the same thing in other words.</summary>
/// <remarks>Built once per dream from an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>; similarity is the cosine of
/// two vectors. Immutable and thread-safe once built.</remarks>
public sealed class TextEmbeddings
{
    private const int BatchSize = 256;
    private readonly Dictionary<string, ReadOnlyMemory<float>> _vectors;

    private TextEmbeddings(Dictionary<string, ReadOnlyMemory<float>> vectors, SessionUsage usage, long estimatedTokens = 0)
    {
        _vectors = vectors;
        Usage = usage;
        EstimatedTokens = estimatedTokens;
    }

    /// <summary>Gets how many distinct texts have a vector.</summary>
    public int Count => _vectors.Count;

    /// <summary>Gets the tokens the generator reported for building them.</summary>
    public SessionUsage Usage { get; }

    /// <summary>Gets the input tokens estimated for the calls whose generator reported no input count: the texts embedded
    /// by such a call, at four characters a token (as a reflector's unreported usage is estimated). A dream counts them
    /// against its token budget, on top of <see cref="Usage"/>; they are never reported as usage.</summary>
    /// <value>0 when every call reported its input tokens, and for embeddings built with <see cref="From"/>.</value>
    public long EstimatedTokens { get; }

    /// <summary>Embeds distinct texts, in batches.</summary>
    /// <param name="generator">The embedding generator.</param>
    /// <param name="texts">The texts; duplicates and blanks are skipped.</param>
    /// <param name="cancellationToken">Cancels the generation.</param>
    /// <returns>The embeddings.</returns>
    /// <exception cref="InvalidOperationException">The generator returned a different number of vectors than texts asked for.</exception>
    /// <remarks>When a batch fails, its exception is thrown and the usage of the batches before it is not returned; a dream
    /// still counts that usage (and estimate) in its curate stage and token budget, and goes on without embeddings.</remarks>
    public static Task<TextEmbeddings> CreateAsync(IEmbeddingGenerator<string, Embedding<float>> generator, IEnumerable<string> texts, CancellationToken cancellationToken = default) =>
        CreateAsync(generator, texts, new Spend(), cancellationToken);

    // As the public CreateAsync, adding to spend as each call returns, so a caller still knows what the calls before a
    // failing one used. A call that returned the wrong number of vectors is counted too (it was answered); the failing
    // call itself is not (it may never have reached the provider), as a reflector's or grader's failed call is not.
    internal static async Task<TextEmbeddings> CreateAsync(IEmbeddingGenerator<string, Embedding<float>> generator, IEnumerable<string> texts, Spend spend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(spend);
        var distinct = texts.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).ToList();
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        foreach (var batch in distinct.Chunk(BatchSize))
        {
            var embeddings = await generator.GenerateAsync(batch, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (embeddings.Usage?.InputTokenCount is { } reported)
            {
                spend.InputTokens = SaturatingSum.Add(spend.InputTokens, reported);
            }
            else
            {
                spend.EstimatedTokens = SaturatingSum.Add(spend.EstimatedTokens, ModelUsage.EstimateInputTokens(batch));
            }

            if (embeddings.Count != batch.Length)
            {
                throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} vectors for {batch.Length} texts.");
            }

            for (var i = 0; i < batch.Length; i++)
            {
                vectors[batch[i]] = embeddings[i].Vector;
            }
        }

        return new TextEmbeddings(vectors, spend.Usage, spend.EstimatedTokens);
    }

    /// <summary>Builds embeddings from vectors already computed, for tests and for hosts that cache them.</summary>
    /// <param name="vectors">The vector of each text.</param>
    /// <returns>The embeddings.</returns>
    public static TextEmbeddings From(IReadOnlyDictionary<string, ReadOnlyMemory<float>> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return new TextEmbeddings(new Dictionary<string, ReadOnlyMemory<float>>(vectors, StringComparer.Ordinal), SessionUsage.Zero);
    }

    /// <summary>Gets the cosine similarity of two texts' vectors.</summary>
    /// <param name="a">One text.</param>
    /// <param name="b">The other.</param>
    /// <returns>The similarity in -1..1, or <see langword="null"/> when either text has no vector, their lengths differ, or
    /// either is all zeros.</returns>
    public double? Similarity(string a, string b)
    {
        if (!_vectors.TryGetValue(a, out var x) || !_vectors.TryGetValue(b, out var y) || x.Length != y.Length)
        {
            return null;
        }

        double dot = 0, xx = 0, yy = 0;
        var xs = x.Span;
        var ys = y.Span;
        for (var i = 0; i < xs.Length; i++)
        {
            dot += xs[i] * ys[i];
            xx += xs[i] * xs[i];
            yy += ys[i] * ys[i];
        }

        return xx == 0 || yy == 0 ? null : dot / Math.Sqrt(xx * yy);
    }

    /// <summary>What the calls of one <see cref="CreateAsync(IEmbeddingGenerator{string, Embedding{float}}, IEnumerable{string}, Spend, CancellationToken)"/>
    /// used so far: the input tokens reported, and the estimate for calls that reported none. Not thread-safe (one build).</summary>
    internal sealed class Spend
    {
        public long InputTokens { get; set; }

        public long EstimatedTokens { get; set; }

        public SessionUsage Usage => new() { InputTokens = InputTokens };
    }
}
