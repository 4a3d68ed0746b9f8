//! Registering and funding Chainlink Automation upkeeps on a registry 2.3, through its
//! auto-approving registrar — for any target contract (a balancer, an upkeep manager, …).
//!
//! - [`register`]: a conditional upkeep billed in LINK (paid with LINK's ERC-677
//!   `transferAndCall(registrar, amount, abi.encode(params))`, which the registrar's
//!   `onTokenTransfer` takes) or in wrapped native (paid in native coin: `registerUpkeep` with
//!   `msg.value`, which the registrar wraps). The id comes from the registry's `UpkeepRegistered`
//!   event, the forwarder from `getForwarder(id)`.
//! - [`register_and_set_forwarder`]: the same, then the target's `setForwarder(forwarder)` (the
//!   caller must own the target) — the one call a new upkeep needs.
//! - Funding: [`add_funds`] (ERC-20 `approve` + `addFunds` in the billing token),
//!   [`add_funds_native`] (`addFunds` with `msg.value`, wrapped-native upkeeps) and
//!   [`transfer_and_call`] (LINK's `transferAndCall(registry, amount, abi.encode(id))`).

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, TxHash, U256, aliases::U96},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolEvent, SolValue},
};

use crate::chain::{
    ChainError, Connection,
    bindings::{AutomationRegistrar2_3, AutomationRegistry2_3, LinkToken, WETH9},
    ours::Balancer,
};

/// The registrar's trigger type for conditional upkeeps.
const CONDITION_TRIGGER: u8 = 0;

/// Registration and funding failures, each with its fix.
#[derive(Debug, thiserror::Error)]
pub enum UpkeepError {
    /// A transaction failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A read failed.
    #[error(
        "{what} failed: {reason} — check the RPC endpoint and the registry/registrar addresses"
    )]
    Read {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// Below the registrar's minimum first funding.
    #[error(
        "registering {target}: amount {amount} is below the registrar's minimum {minimum} for billing token {token} — fund the registration with at least {minimum}"
    )]
    BelowMinimum {
        /// The target.
        target: Address,
        /// Amount given.
        amount: U256,
        /// The registrar's minimum.
        minimum: U256,
        /// The billing token.
        token: Address,
    },
    /// Amounts are `uint96` on chain.
    #[error("{field} = {value} does not fit the registry's uint96 — use at most 2^96-1")]
    TooLarge {
        /// Which amount.
        field: &'static str,
        /// The value.
        value: U256,
    },
    /// The registrar kept the registration pending instead of approving it.
    #[error(
        "registering {target} (transaction {tx}) created no upkeep: registrar {registrar} did not auto-approve it — enable registrar.auto_approve, or approve the pending request as the registrar's owner"
    )]
    NotApproved {
        /// The target.
        target: Address,
        /// The registration transaction.
        tx: TxHash,
        /// The registrar.
        registrar: Address,
    },
    /// A funding path that does not fit the upkeep's billing token.
    #[error("upkeep {id} is billed in {token}, not {expected} — {fix}")]
    WrongToken {
        /// The upkeep.
        id: U256,
        /// Its billing token.
        token: Address,
        /// The token this path needs.
        expected: &'static str,
        /// The path to use instead.
        fix: &'static str,
    },
}

/// The Automation contracts an upkeep is registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Automation {
    /// The registry 2.3.
    pub registry: Address,
    /// Its registrar.
    pub registrar: Address,
    /// LINK (read from the registry).
    pub link: Address,
    /// The wrapped native token (read from the registry).
    pub wrapped_native: Address,
}

impl Automation {
    /// Reads LINK and the wrapped native token from `registry`.
    pub async fn read(
        conn: &Connection,
        registry: Address,
        registrar: Address,
    ) -> Result<Self, UpkeepError> {
        let r = AutomationRegistry2_3::new(registry, &conn.provider);
        Ok(Self {
            registry,
            registrar,
            link: read(r.getLinkAddress().call(), "registry.getLinkAddress()").await?,
            wrapped_native: read(
                r.getWrappedNativeTokenAddress().call(),
                "registry.getWrappedNativeTokenAddress()",
            )
            .await?,
        })
    }

    /// The token `billing` pays in.
    pub fn token(&self, billing: Billing) -> Address {
        match billing {
            Billing::Link => self.link,
            Billing::Native => self.wrapped_native,
        }
    }

    /// `LINK`, `WETH` (the wrapped native token) or the address, for messages.
    pub fn symbol(&self, token: Address) -> String {
        if token == self.link {
            "LINK".into()
        } else if token == self.wrapped_native {
            "WETH".into()
        } else {
            token.to_string()
        }
    }
}

/// How an upkeep is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    /// In LINK.
    Link,
    /// In the wrapped native token, paid in native coin (the registrar and registry wrap it).
    Native,
}

/// A conditional upkeep to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The contract the registry calls (`checkUpkeep`/`performUpkeep`).
    pub target: Address,
    /// Its perform gas limit.
    pub gas_limit: u32,
    /// Billing token.
    pub billing: Billing,
    /// First funding, in the billing token's units (wei for native).
    pub amount: U256,
    /// The upkeep's admin (may withdraw, cancel, change the gas limit).
    pub admin: Address,
    /// Display name.
    pub name: String,
    /// checkData passed to `checkUpkeep`.
    pub check_data: Bytes,
}

/// A registered upkeep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upkeep {
    /// Its id.
    pub id: U256,
    /// The forwarder that calls the target's `performUpkeep`.
    pub forwarder: Address,
    /// Its billing token.
    pub billing_token: Address,
    /// Its balance after registration.
    pub balance: U256,
    /// The registration transaction.
    pub tx: TxHash,
}

/// Registers `reg` through the registrar (auto-approved) and funds it with `reg.amount`.
pub async fn register(
    conn: &Connection,
    automation: &Automation,
    reg: &Registration,
) -> Result<Upkeep, UpkeepError> {
    let token = automation.token(reg.billing);
    let amount = u96("registration amount", reg.amount)?;
    let registrar = AutomationRegistrar2_3::new(automation.registrar, &conn.provider);
    let minimum = read(
        registrar.getMinimumRegistrationAmount(token).call(),
        format!("registrar.getMinimumRegistrationAmount({token})"),
    )
    .await?;
    if reg.amount < minimum {
        return Err(UpkeepError::BelowMinimum {
            target: reg.target,
            amount: reg.amount,
            minimum,
            token,
        });
    }
    let params = AutomationRegistrar2_3::RegistrationParams {
        upkeepContract: reg.target,
        amount,
        adminAddress: reg.admin,
        gasLimit: reg.gas_limit,
        triggerType: CONDITION_TRIGGER,
        billingToken: token,
        name: reg.name.clone(),
        encryptedEmail: Bytes::new(),
        checkData: reg.check_data.clone(),
        triggerConfig: Bytes::new(),
        offchainConfig: Bytes::new(),
    };
    let what = format!(
        "registering upkeep {} for {} billed in {}",
        reg.name,
        reg.target,
        automation.symbol(token)
    );
    let tx = match reg.billing {
        Billing::Link => TransactionRequest::default()
            .with_to(automation.link)
            .with_input(
                LinkToken::transferAndCallCall {
                    to: automation.registrar,
                    amount: reg.amount,
                    data: params.abi_encode().into(),
                }
                .abi_encode(),
            ),
        Billing::Native => TransactionRequest::default()
            .with_to(automation.registrar)
            .with_value(reg.amount)
            .with_input(
                AutomationRegistrar2_3::registerUpkeepCall {
                    requestParams: AutomationRegistrar2_3::RegistrationParams {
                        amount: U96::ZERO, // the registrar takes msg.value
                        ..params
                    },
                }
                .abi_encode(),
            ),
    };
    let receipt = conn.send(&what, tx).await?;
    let id = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == automation.registry)
        .find_map(|l| AutomationRegistry2_3::UpkeepRegistered::decode_log_data(l.data()).ok())
        .map(|e| e.id)
        .ok_or(UpkeepError::NotApproved {
            target: reg.target,
            tx: receipt.transaction_hash,
            registrar: automation.registrar,
        })?;
    let registry = AutomationRegistry2_3::new(automation.registry, &conn.provider);
    let forwarder = read(
        registry.getForwarder(id).call(),
        format!("registry.getForwarder({id})"),
    )
    .await?;
    Ok(Upkeep {
        id,
        forwarder,
        billing_token: token,
        balance: balance(conn, automation, id).await?,
        tx: receipt.transaction_hash,
    })
}

/// [`register`], then `setForwarder(forwarder)` on the target (as `conn.from`, its owner), so
/// only the registry's forwarder may perform it.
pub async fn register_and_set_forwarder(
    conn: &Connection,
    automation: &Automation,
    reg: &Registration,
) -> Result<Upkeep, UpkeepError> {
    let upkeep = register(conn, automation, reg).await?;
    set_forwarder(conn, reg.target, upkeep.forwarder).await?;
    Ok(upkeep)
}

/// `target.setForwarder(forwarder)` (balancers; any contract with that function).
pub async fn set_forwarder(
    conn: &Connection,
    target: Address,
    forwarder: Address,
) -> Result<(), UpkeepError> {
    let call = Balancer::setForwarderCall {
        newForwarder: forwarder,
    };
    conn.call(
        &format!("{target}.setForwarder({forwarder})"),
        target,
        call.abi_encode().into(),
    )
    .await?;
    Ok(())
}

/// `approve(registry, amount)` on the upkeep's billing token, then `addFunds(id, amount)`.
/// `conn.from` must hold `amount` of that token.
pub async fn add_funds(
    conn: &Connection,
    automation: &Automation,
    id: U256,
    amount: U256,
) -> Result<(), UpkeepError> {
    let value = u96("addFunds amount", amount)?;
    let token = billing_token(conn, automation, id).await?;
    let symbol = automation.symbol(token);
    // LINK and WETH9 share the ERC-20 `approve` selector.
    let approve = WETH9::approveCall {
        spender: automation.registry,
        amount,
    };
    conn.call(
        &format!("approving {amount} {symbol} for upkeep {id}"),
        token,
        approve.abi_encode().into(),
    )
    .await?;
    let add = AutomationRegistry2_3::addFundsCall { id, amount: value };
    conn.call(
        &format!("addFunds({id}, {amount} {symbol})"),
        automation.registry,
        add.abi_encode().into(),
    )
    .await?;
    Ok(())
}

/// `addFunds{value: wei}(id, 0)` for an upkeep billed in the wrapped native token.
pub async fn add_funds_native(
    conn: &Connection,
    automation: &Automation,
    id: U256,
    wei: U256,
) -> Result<(), UpkeepError> {
    u96("addFunds value", wei)?;
    let token = billing_token(conn, automation, id).await?;
    if token != automation.wrapped_native {
        return Err(UpkeepError::WrongToken {
            id,
            token,
            expected: "the wrapped native token",
            fix: "fund it with add_funds or transfer_and_call",
        });
    }
    let add = AutomationRegistry2_3::addFundsCall {
        id,
        amount: U96::ZERO,
    };
    let tx = TransactionRequest::default()
        .with_to(automation.registry)
        .with_value(wei)
        .with_input(add.abi_encode());
    conn.send(&format!("addFunds{{value: {wei}}}({id})"), tx)
        .await?;
    Ok(())
}

/// LINK's ERC-677 `transferAndCall(registry, amount, abi.encode(id))` for a LINK upkeep.
pub async fn transfer_and_call(
    conn: &Connection,
    automation: &Automation,
    id: U256,
    amount: U256,
) -> Result<(), UpkeepError> {
    u96("transferAndCall amount", amount)?;
    let token = billing_token(conn, automation, id).await?;
    if token != automation.link {
        return Err(UpkeepError::WrongToken {
            id,
            token,
            expected: "LINK",
            fix: "fund it with add_funds_native or add_funds",
        });
    }
    let call = LinkToken::transferAndCallCall {
        to: automation.registry,
        amount,
        data: id.abi_encode().into(),
    };
    conn.call(
        &format!("LINK.transferAndCall(registry, {amount}, upkeep {id})"),
        automation.link,
        call.abi_encode().into(),
    )
    .await?;
    Ok(())
}

/// The upkeep's balance in its billing token.
pub async fn balance(
    conn: &Connection,
    automation: &Automation,
    id: U256,
) -> Result<U256, UpkeepError> {
    let r = AutomationRegistry2_3::new(automation.registry, &conn.provider);
    let b = read(
        r.getBalance(id).call(),
        format!("registry.getBalance({id})"),
    )
    .await?;
    Ok(U256::from(b))
}

async fn billing_token(
    conn: &Connection,
    automation: &Automation,
    id: U256,
) -> Result<Address, UpkeepError> {
    let r = AutomationRegistry2_3::new(automation.registry, &conn.provider);
    read(
        r.getBillingToken(id).call(),
        format!("registry.getBillingToken({id})"),
    )
    .await
}

fn u96(field: &'static str, value: U256) -> Result<U96, UpkeepError> {
    if value.bit_len() > 96 {
        return Err(UpkeepError::TooLarge { field, value });
    }
    Ok(U96::saturating_from(value))
}

async fn read<T, E: std::fmt::Display>(
    call: impl std::future::IntoFuture<Output = Result<T, E>>,
    what: impl Into<String>,
) -> Result<T, UpkeepError> {
    call.await.map_err(|e| UpkeepError::Read {
        what: what.into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_must_fit_uint96() {
        let max = (U256::from(1u8) << 96) - U256::from(1u8);
        assert_eq!(u96("x", max).unwrap(), U96::MAX);
        let err = u96("addFunds amount", max + U256::from(1u8)).unwrap_err();
        assert!(err.to_string().contains("addFunds amount") && err.to_string().contains("uint96"));
    }

    #[test]
    fn symbols_name_the_billing_tokens() {
        let a = Automation {
            registry: Address::repeat_byte(1),
            registrar: Address::repeat_byte(2),
            link: Address::repeat_byte(3),
            wrapped_native: Address::repeat_byte(4),
        };
        assert_eq!(a.token(Billing::Link), a.link);
        assert_eq!(a.token(Billing::Native), a.wrapped_native);
        assert_eq!(a.symbol(a.link), "LINK");
        assert_eq!(a.symbol(a.wrapped_native), "WETH");
        assert_eq!(
            a.symbol(Address::repeat_byte(9)),
            Address::repeat_byte(9).to_string()
        );
    }
}
