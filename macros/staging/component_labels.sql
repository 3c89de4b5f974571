{#- Connected components of an undirected graph, labelled by the smallest seed
    label in each component. Renders a query returning (node_id, component_label) for every
    node reachable from a seed; nodes of components without a seed are absent.

    Arguments:
      directed_edges  relation/CTE with node_from, node_to, holding both directions
      seeds           relation/CTE with node_id, component_label (candidate labels)
    The engines differ because termination must be guaranteed on any input (long
    chains, cycles): see DECISIONLOG.md, "Staging and identity". -#}
{% macro component_labels(directed_edges, seeds) -%}
    {{ return(adapter.dispatch('component_labels', 'segmentation')(directed_edges, seeds)) }}
{%- endmacro %}

{#- Reachability as a recursive CTE with UNION (set semantics): each round adds only
    (node, label) pairs not seen before, and there are finitely many, so it stops
    after at most (longest shortest path) rounds on any graph, cycles included. -#}
{% macro duckdb__component_labels(directed_edges, seeds) -%}
    with recursive reached (node_id, component_label) as (
        select
            node_id,
            component_label
        from {{ seeds }}
        union
        select
            next_edges.node_to as node_id,
            reached.component_label
        from reached
        inner join {{ directed_edges }} as next_edges
            on reached.node_id = next_edges.node_from
    )

    select
        node_id,
        min(component_label) as component_label
    from reached
    group by node_id
{%- endmacro %}

{#- Snowflake's recursive CTEs allow UNION ALL only, which never ends on a cycle.
    Here: min-label propagation with pointer jumping (label := label of the label's
    node), unrolled var('identity_propagation_rounds') times. Each round at least
    doubles how far a label travels along a chain, so the default reaches chains of
    millions of nodes; assert_identity_components_converged fails if it did not. -#}
{% macro default__component_labels(directed_edges, seeds) -%}
    {%- set rounds = var('identity_propagation_rounds') | int -%}
    with
    all_nodes as (
        select node_from as node_id from {{ directed_edges }}
        union
        select node_id from {{ seeds }}
    ),

    round_0 as (
        select
            node_id,
            node_id as node_label
        from all_nodes
    ),
    {% for i in range(1, rounds + 1) %}
        round_{{ i }}_hooked as (
            select
                previous.node_id,
                least(previous.node_label, coalesce(min(neighbour.node_label), previous.node_label)) as node_label
            from round_{{ i - 1 }} as previous
            left join {{ directed_edges }} as next_edges
                on previous.node_id = next_edges.node_from
            left join round_{{ i - 1 }} as neighbour
                on next_edges.node_to = neighbour.node_id
            group by previous.node_id, previous.node_label
        ),

        round_{{ i }} as (
            select
                hooked.node_id,
                least(hooked.node_label, pointed.node_label) as node_label
            from round_{{ i }}_hooked as hooked
            inner join round_{{ i }}_hooked as pointed
                on hooked.node_label = pointed.node_id
        ),
    {% endfor %}

    seed_labels as (
        select
            round_{{ rounds }}.node_label,
            min(seeds.component_label) as component_label
        from round_{{ rounds }}
        inner join {{ seeds }} as seeds
            on round_{{ rounds }}.node_id = seeds.node_id
        group by round_{{ rounds }}.node_label
    )

    select
        round_{{ rounds }}.node_id,
        seed_labels.component_label
    from round_{{ rounds }}
    inner join seed_labels
        on round_{{ rounds }}.node_label = seed_labels.node_label
{%- endmacro %}
