using System.ComponentModel;
using System.Globalization;

namespace EnContact.Syndication.Composition;

/// <summary>
/// Mistakes binding would either ignore or turn into one raw exception: unknown sections and keys,
/// values that are not of their key's type, a list given as one value. Each is a
/// <c>Section:Key: problem</c> line, so every one of them can be reported in the same run.
/// </summary>
public static class SettingsShape
{
    public static IEnumerable<string> UnknownSections(IConfiguration configuration, SettingsRegistry registry) =>
        UnknownSections(configuration, "", [.. registry.Sections.Select(s => s.Name).Concat(SettingsRegistry.HostSections)]);

    /// <summary>
    /// The children of <paramref name="node"/> (at <paramref name="prefix"/>) that are neither a section
    /// nor a group holding one (<c>Bounces</c> holds <c>Bounces:Imap</c>): a group's other keys are unknown too.
    /// </summary>
    private static IEnumerable<string> UnknownSections(IConfiguration node, string prefix, IReadOnlyList<string> known)
    {
        var here = known.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Select(k => k[prefix.Length..]).ToList();
        foreach (var child in node.GetChildren())
        {
            if (here.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                continue;
            if (here.Any(k => k.StartsWith(child.Key + ":", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var problem in UnknownSections(child, $"{prefix}{child.Key}:", known))
                    yield return problem;
                continue;
            }
            var hint = DidYouMean(child.Key, here.Select(k => k.Split(':')[0]).Distinct());
            foreach (var leaf in Leaves(child))
                yield return $"{leaf.Path}: there is no section {prefix}{child.Key}{hint}";
        }
    }

    public static IEnumerable<string> Section(IConfiguration configuration, SettingsSection section)
    {
        var root = configuration.GetSection(section.Name);
        if (!string.IsNullOrEmpty(root.Value))
            yield return $"{section.Name}: is a section, not a single value; set its keys (e.g. {section.Name}:{section.Keys[0].Name})";
        foreach (var child in root.GetChildren())
        {
            var path = $"{section.Name}:{child.Key}";
            var property = section.Keys.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                yield return $"{path}: is not a setting of {section.Name}{DidYouMean(child.Key, section.Keys.Select(p => p.Name))}";
                continue;
            }
            foreach (var (key, problem) in Value(child, property.PropertyType))
                yield return $"{key}: {problem}";
        }
    }

    /// <summary>What is wrong with <paramref name="node"/> as a value of <paramref name="type"/>, read as the configuration binder reads it.</summary>
    public static IEnumerable<(string Key, string Problem)> Value(IConfigurationSection node, Type type)
    {
        if (ItemType(type) is { } item)
        {
            if (!string.IsNullOrEmpty(node.Value))
                yield return (node.Path, $"is a list; give its items as {node.Path}:0, {node.Path}:1, … (ENCONTACT__{node.Path.Replace(":", "__")}__0, …)");
            foreach (var child in node.GetChildren())
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    yield return (child.Path, $"the items of {node.Path} are numbered 0, 1, …");
                else
                    foreach (var problem in Value(child, item))
                        yield return problem;
            }
            yield break;
        }
        if (ValueType(type) is { } entry)
        {
            // A map such as Delivery:DomainLimits:orange.fr:MessagesPerSecond: each entry is one value of its type.
            if (!string.IsNullOrEmpty(node.Value))
                yield return (node.Path, $"is a map; give its entries as {node.Path}:<name>:<setting>");
            foreach (var child in node.GetChildren())
                foreach (var problem in Value(child, entry))
                    yield return problem;
            yield break;
        }
        if (IsSettingsClass(type))
        {
            var properties = type.GetProperties().Where(p => p.SetMethod?.IsPublic == true).ToList();
            if (!string.IsNullOrEmpty(node.Value))
                yield return (node.Path, $"is a section, not a single value; set its keys (e.g. {node.Path}:{properties[0].Name})");
            foreach (var child in node.GetChildren())
            {
                var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                    yield return (child.Path, $"is not a setting of {node.Path}{DidYouMean(child.Key, properties.Select(p => p.Name))}");
                else
                    foreach (var problem in Value(child, property.PropertyType))
                        yield return problem;
            }
            yield break;
        }
        foreach (var leaf in node.GetChildren().SelectMany(Leaves))
            yield return (leaf.Path, $"{node.Path} is a single value, not a section");
        if (node.Value is { } value && Conversion(value, type) is { } wrong)
            yield return (node.Path, wrong);
    }

    /// <summary>Why <paramref name="value"/> cannot be read as <paramref name="type"/> (null when it can), with the converter the binder uses.</summary>
    public static string? Conversion(string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string) || (target != type && value.Length == 0))
            return null;
        try
        {
            var converted = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
            if (target.IsEnum && !Enum.IsDefined(target, converted!))
                return Expected(value, target);
            return null;
        }
        catch (Exception) // each converter throws its own kind (FormatException, ArgumentException, Exception)
        {
            return Expected(value, target);
        }
    }

    private static string Expected(string value, Type type) => $"'{value}' " + (type switch
    {
        _ when type == typeof(TimeSpan) => "is not a time span (hh:mm:ss, or d.hh:mm:ss for days)",
        _ when type == typeof(bool) => "is not true or false",
        _ when type == typeof(int) || type == typeof(long) => "is not a whole number",
        _ when type == typeof(double) => "is not a number (with a dot: 0.5)",
        _ when type.IsEnum => $"is not one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"cannot be read as {type.Name}",
    });

    private static Type? ItemType(Type type) =>
        type != typeof(string) && type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(List<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>))
            ? type.GetGenericArguments()[0]
            : null;

    private static Type? ValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string)
            ? type.GetGenericArguments()[1]
            : null;

    private static bool IsSettingsClass(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("EnContact.", StringComparison.Ordinal) == true;

    /// <summary>Every node under <paramref name="node"/> (itself included) that holds a value.</summary>
    public static IEnumerable<IConfigurationSection> Leaves(IConfigurationSection node)
    {
        if (node.Value is not null)
            yield return node;
        foreach (var leaf in node.GetChildren().SelectMany(Leaves))
            yield return leaf;
    }

    /// <summary>" (did you mean X?)" when a name is a likely typo of one of <paramref name="names"/>.</summary>
    public static string DidYouMean(string name, IEnumerable<string> names)
    {
        var best = names.Select(n => (Name: n, Distance: Distance(name.ToLowerInvariant(), n.ToLowerInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 4) ? $" (did you mean {best.Name}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
