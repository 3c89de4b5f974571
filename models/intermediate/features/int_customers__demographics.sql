{#- Demographics per canonical customer as of as_of_date: age in whole years, its
    band (var age_band_edges_years) and the CRM region. Attributes come from the
    person's most recently updated CRM record, as for every CRM attribute
    (int_customers__resolved). -#}
with

customers as (

    select * from {{ ref('int_customers__resolved') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

aged as (

    -- birthdays passed by as_of (a 29 February birthday passes on 1 March); without a
    -- birth date, the reported age plus the whole years since its record was loaded
    select
        customers.customer_id,
        customers.region,
        case
            when customers.birth_date is not null
                then {{ whole_years_between('customers.birth_date', 'as_of.as_of_date') }}
            when cast(customers.crm_record_loaded_at as date) <= as_of.as_of_date
                then
                    customers.age_years_at_load
                    + {{ whole_years_between('cast(customers.crm_record_loaded_at as date)', 'as_of.as_of_date') }}
            else
                customers.age_years_at_load
                - {{ whole_years_between('as_of.as_of_date', 'cast(customers.crm_record_loaded_at as date)') }}
        end as age_years

    from customers
    cross join as_of

),

final as (

    select
        customer_id,
        -- born after as_of: no age yet
        cast(case when age_years >= 0 then age_years end as {{ dbt.type_int() }}) as age_years,
        {{ age_band('case when age_years >= 0 then age_years end') }} as age_band,
        region

    from aged

)

select * from final
