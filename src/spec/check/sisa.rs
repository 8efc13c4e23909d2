//! Checks of the `sisa` section: shards, slices, partition and aggregation.

use super::values::{at_least, positive, reject_option};
use super::Checked;
use crate::spec::error::Invalid;
use crate::spec::raw::RawSisa;
use crate::spec::settings::{Aggregation, Partition, PartitionKind, SisaSettings};

pub(super) fn sisa(raw: RawSisa) -> Checked<SisaSettings> {
    let aware = "`partition: distribution-aware`";
    let partition = match raw.partition.unwrap_or(PartitionKind::Uniform) {
        PartitionKind::Uniform => {
            reject_option("sisa.capacity", raw.capacity.is_some(), aware)?;
            Partition::Uniform
        }
        PartitionKind::DistributionAware => {
            if raw.capacity.is_some() && raw.shards.is_some() {
                return Err(Invalid::new(
                    "sisa.capacity",
                    "give either sisa.shards (a fixed number of shards, each with an equal share \
                     of the expected requests) or sisa.capacity (expected requests per shard, \
                     the number of shards follows), not both",
                ));
            }
            let capacity = raw
                .capacity
                .map(|c| positive("sisa.capacity", c))
                .transpose()?;
            Partition::DistributionAware { capacity }
        }
    };
    Ok(SisaSettings {
        shards: at_least("sisa.shards", raw.shards.unwrap_or(1), 1)?,
        slices: at_least("sisa.slices", raw.slices.unwrap_or(1), 1)?,
        partition,
        aggregation: raw.aggregation.unwrap_or(Aggregation::Majority),
    })
}
