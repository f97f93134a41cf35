using System.Text;

namespace Dreaming;

/// <summary>Gives criteria ids from their section and position (<c>content-1</c>, <c>content-2</c>, <c>format-1</c>).</summary>
/// <remarks>Positions count per slug, so a section heading repeated later in the rubric continues its numbering
/// instead of producing duplicate ids.</remarks>
internal sealed class CriterionIdAllocator
{
    /// <summary>The slug of criteria outside any section.</summary>
    public const string NoSectionSlug = "criterion";

    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    /// <summary>Returns the id of the next criterion of <paramref name="section"/>.</summary>
    public string Next(string? section)
    {
        var slug = Slug(section);
        _positions.TryGetValue(slug, out var position);
        _positions[slug] = ++position;
        return $"{slug}-{position.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>Lower-case letters and digits, other runs of characters as one hyphen.</summary>
    internal static string Slug(string? section)
    {
        if (string.IsNullOrWhiteSpace(section))
        {
            return NoSectionSlug;
        }

        var slug = new StringBuilder(section.Length);
        foreach (var c in section)
        {
            if (char.IsLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString().TrimEnd('-');
        return text.Length == 0 ? NoSectionSlug : text;
    }
}
